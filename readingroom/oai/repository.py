"""An OAI-PMH 2.0 repository: a request's arguments in, the response document out.

    repository = Repository(RecordsProvider(), FormatRegistry.default(), links, name="Readingroom",
                            admin_emails=["archivist@example.org"], page_size=100)
    body = repository.respond(request.GET.lists())

It parses the arguments (arguments.py), hands them to the verb's builder (responses.py), and wraps what comes
back, or the protocol error raised (errors.py), in the OAI-PMH envelope. Nothing here knows of HTTP or of the
database: the web layer (web/oai.py) gives it its links, and the provider its items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from lxml import etree

from . import arguments
from .errors import OAIError
from .formats import Context, FormatRegistry, schema_location, sub
from .provider import Links, Provider
from .responses import BUILDERS, OAI

SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
DEFAULT_PAGE_SIZE = 100


class Repository:
    deleted_record = "persistent"  # withdrawn records are kept as deleted headers for good

    def __init__(
        self,
        provider: Provider,
        formats: FormatRegistry,
        links: Links,
        *,
        name: str,
        admin_emails: Sequence[str],
        page_size: int = DEFAULT_PAGE_SIZE,
    ):
        if page_size < 1:
            raise ValueError(f"page_size must be 1 or more, not {page_size}")
        if not admin_emails:
            raise ValueError(
                "an OAI-PMH repository needs an administrator's e-mail address (Identify shows it): "
                "set READINGROOM_ADMIN_EMAIL"
            )
        self.provider, self.formats, self.links = provider, formats, links
        self.name, self.admin_emails, self.page_size = name, list(admin_emails), page_size
        self.context = Context(links=links, repository_name=name)
        self.now_stamp = ""

    def respond(self, pairs: Iterable[tuple[str, list[str]]]) -> bytes:
        """The response to one request, given its arguments as (name, [values]) pairs."""
        self.now_stamp = arguments.datestamp(dt.datetime.now(dt.UTC))
        root = etree.Element(
            f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
        )
        schema_location(root, OAI, SCHEMA)
        sub(root, f"{{{OAI}}}responseDate", self.now_stamp)
        request = sub(root, f"{{{OAI}}}request", self.links.endpoint)
        args = None
        try:
            args = arguments.parse(pairs)
            body = BUILDERS[args.verb](self, args)
        except OAIError as error:
            if args is not None and error.echo_arguments:
                self._echo(request, args)
            sub(root, f"{{{OAI}}}error", error.message, code=error.code)
        else:
            self._echo(request, args)
            root.append(body)
        return etree.tostring(root, encoding="UTF-8", xml_declaration=True)

    @staticmethod
    def _echo(request: etree._Element, args: arguments.Arguments) -> None:
        request.set("verb", args.verb)
        for name, value in args.given:
            request.set(name, value)
