"""The resources of /srv/: the Wilson Center Digital Archive's API as the `digitalarchive` client calls it. The
mapping is da.py's; the search is the one /search/ runs."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Max
from django.http import HttpResponse

from readingroom.records import services, texts, visibility
from readingroom.records.errors import NotFound
from readingroom.records.models import Record
from readingroom.search.params import MAX_RESULTS

from . import da
from .http import Payload, api_view
from .resources import checked, search_public

SCAN_PAGE = 250  # results asked of the engine at a time when a translation language must be checked


@api_view
def record(request, record_id: str):
    rec = services.get_public_record(record_id)
    return Payload(da.documents([rec.pk], full=True)[0], rec.updated)


@api_view
def search(request):
    wanted = da.search_request(request.GET, checked)
    ids, total = matching_ids(request.archive, wanted)
    return Payload(
        {
            "list": da.documents(ids, full=False),
            "pagination": da.pagination(wanted.page, total, wanted.items_per_page),
        }
    )


@api_view
def date_range(request):
    dated = Record.objects.public().exclude(date_earliest="")
    first = dated.order_by("date_earliest").values_list("date_earliest", flat=True).first()
    last = dated.aggregate(last=Max("date_latest"))["last"]
    return Payload({"begin": _day(first), "end": _day(last)})


@api_view
def authorities(request, model: str):
    found = da.authority_search(da.MODELS[model], (request.GET.get("term") or "").strip())
    size = da.number(request.GET, "itemsPerPage", da.MAX_ITEMS_PER_PAGE, da.MAX_ITEMS_PER_PAGE)
    page = da.number(request.GET, "page", 1, da.MAX_PAGE)
    shown = found[(page - 1) * size : page * size]
    return Payload(
        {
            "list": [da.authority_json(a, count=getattr(a, "public_count", None)) for a in shown],
            "pagination": da.pagination(page, len(found), size),
        }
    )


@api_view
def authority(request, model: str, key: str):
    found = da.find_authority(da.MODELS[model], key)
    count = services.authority_records(found).count() if found else 0
    if found is None or not count:  # carried by no public record: as if it did not exist
        raise NotFound(f"no {model} {key!r}")
    return Payload(da.authority_json(found, count=count))


@api_view
def text(request, record_id: str, number: str):
    """A text of a record as HTML: a Translation's or Transcript's `url`, which the client's hydrate() reads."""
    rec = services.get_public_record(record_id)
    entries = rec.document.get("texts") or []
    if not 1 <= int(number) <= len(entries):
        raise NotFound(f"record {record_id!r} has {len(entries)} texts, not {number}")
    response = HttpResponse(
        texts.sanitize(visibility.public_text(entries[int(number) - 1].get("html") or "")),
        content_type="text/html; charset=utf-8",
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def matching_ids(archive, wanted: da.DaSearch) -> tuple[list[str], int]:
    """The ids of the page asked for, and how many records match in all."""
    if wanted.request is None:
        return [], 0
    if wanted.request.offset >= MAX_RESULTS:  # beyond what paging reaches: no items, but the true total
        last = search_public(archive, replace(wanted.request, page=1, page_size=1))
        return [], last.total
    if wanted.translation is None:
        result = search_public(archive, wanted.request)
        return [h.id for h in result.hits], result.total
    # No index field holds the languages of a record's translations: check the matches' documents (at most
    # MAX_RESULTS of them; the DA's own search is no deeper).
    ids: list[str] = []
    for page in range(1, MAX_RESULTS // SCAN_PAGE + 1):
        result = search_public(archive, replace(wanted.request, page=page, page_size=SCAN_PAGE))
        ids += [h.id for h in result.hits]
        if len(result.hits) < SCAN_PAGE:
            break
    kept = da.with_translation(ids, wanted.translation)
    start = (wanted.page - 1) * wanted.items_per_page
    return kept[start : start + wanted.items_per_page], len(kept)


def _day(iso: str | None) -> str | None:
    return iso[:10].replace("-", "") if iso else None
