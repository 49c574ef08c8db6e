"""The OpenAPI document covers every route of the API, and the API answers what it says: schemathesis generates
requests from the document and checks each response against it, on a live server."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from readingroom.api import urls as api_urls
from readingroom.search import facets as facet_defs
from readingroom.search.params import SORTS

MAX_EXAMPLES = 60  # per operation: the whole run stays near a minute


def route_templates(patterns, prefix: str) -> set[str]:
    """The URLconf's routes under a prefix, written as OpenAPI path templates ("/api/v1/{kind}/")."""
    out = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            out |= route_templates(p.url_patterns, prefix + str(p.pattern))
            continue
        assert isinstance(p, URLPattern)
        route = str(p.pattern)
        if route.startswith("^"):  # a regex route: (?P<name>...) -> {name}
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.strip("^$")).replace("\\", "")
        out.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + route))
    return out


def test_every_api_route_is_in_the_document(db, client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    resolver = get_resolver()
    v1 = next(p for p in resolver.url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")
    srv = next(p for p in resolver.url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "srv/")
    api_routes = route_templates(v1.url_patterns, "api/v1/")
    assert api_routes and api_routes <= paths, api_routes - paths
    assert len(api_routes) == len(api_urls.v1[0])
    da_routes = route_templates(srv.url_patterns, "srv/")
    da_routes = {re.sub(r"\{model\}", "{model}", r) for r in da_routes}
    assert da_routes <= paths, da_routes - paths


def test_the_search_parameters_come_from_the_search_tables(db, client):
    doc = client.get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert set(params) == {"q", "from", "to", "undated", "sort", "page", *(f.name for f in facet_defs.FACETS)}
    assert params["sort"]["schema"]["enum"] == list(SORTS)
    assert set(doc["components"]["schemas"]["SearchResult"]["properties"]["facets"]["properties"]) == {
        f.name for f in facet_defs.FACETS
    }
    assert doc["servers"] == [{"url": "http://testserver"}]


def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(live_server_url, api_corpus_each):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(live_server_url + "/api/v1/openapi.json")
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= len(schema.raw_schema["paths"]) - 1, [o.label for o in operations]
    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(base_url=live_server_url, additional_checks=[not_a_server_error])

        try:
            run()
        except Exception as e:  # noqa: BLE001 - collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {e}")
    assert not failures, "\n\n".join(failures)
