"""One builder per verb: each takes the repository and the parsed arguments and returns the verb's element (or
raises the protocol error that answers the request). They speak only to the repository's provider, formats and
links (repository.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from . import arguments, tokens
from .arguments import Arguments
from .errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
)
from .formats import MetadataFormat, sub
from .provider import Item, Selection

if TYPE_CHECKING:
    from .repository import Repository

OAI = "http://www.openarchives.org/OAI/2.0/"
P = f"{{{OAI}}}"  # the OAI-PMH namespace, as an lxml tag prefix
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"


def identify(repo: Repository, args: Arguments) -> etree._Element:
    el = etree.Element(f"{P}Identify")
    sub(el, f"{P}repositoryName", repo.name)
    sub(el, f"{P}baseURL", repo.links.endpoint)
    sub(el, f"{P}protocolVersion", "2.0")
    for email in repo.admin_emails:
        sub(el, f"{P}adminEmail", email)
    earliest = repo.provider.earliest_datestamp()
    sub(el, f"{P}earliestDatestamp", arguments.datestamp(earliest) if earliest else repo.now_stamp)
    sub(el, f"{P}deletedRecord", repo.deleted_record)
    sub(el, f"{P}granularity", arguments.GRANULARITY)
    return el


def list_metadata_formats(repo: Repository, args: Arguments) -> etree._Element:
    formats = repo.formats.formats()
    if args.identifier is not None:
        item = _item(repo, args.identifier)
        formats = [f for f in formats if item.deleted or f.can_disseminate(item)]
        if not formats:
            raise NoMetadataFormats(f"no metadata format describes {args.identifier}")
    elif not formats:
        raise NoMetadataFormats("this repository disseminates no metadata format")
    el = etree.Element(f"{P}ListMetadataFormats")
    for fmt in formats:
        entry = sub(el, f"{P}metadataFormat")
        sub(entry, f"{P}metadataPrefix", fmt.prefix)
        sub(entry, f"{P}schema", fmt.schema)
        sub(entry, f"{P}metadataNamespace", fmt.namespace)
    return el


def list_sets(repo: Repository, args: Arguments) -> etree._Element:
    if not repo.provider.has_sets():
        raise NoSetHierarchy("this repository has no collections, so no sets")
    token = tokens.decode_sets(args.resumption_token) if args.resumption_token else None
    cursor = token.cursor if token else 0
    found = repo.provider.sets(token.after if token else None, repo.page_size + 1)
    if not found:
        raise BadResumptionToken(
            "no sets follow this token's position: the collections have changed; list them "
            "again without a token"
        )
    el = etree.Element(f"{P}ListSets")
    page = found[: repo.page_size]
    for info in page:
        entry = sub(el, f"{P}set")
        sub(entry, f"{P}setSpec", info.spec)
        sub(entry, f"{P}setName", info.name)
        description = etree.SubElement(
            sub(entry, f"{P}setDescription"), f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC}
        )
        if info.description:
            sub(description, f"{{{DC}}}description", info.description)
        sub(description, f"{{{DC}}}identifier", repo.links.authority("collection", info.key))
        if info.parent:
            sub(description, f"{{{DC}}}relation", repo.links.authority("collection", info.parent.key))
    more = len(found) > repo.page_size
    _token(
        el,
        repo,
        more,
        token is not None,
        cursor,
        lambda: tokens.SetsToken(after=page[-1].key, cursor=cursor + len(page)),
    )
    return el


def get_record(repo: Repository, args: Arguments) -> etree._Element:
    item = _item(repo, args.required("identifier"))
    fmt = _format(repo, args.required("metadataPrefix"))
    if not item.deleted and not fmt.can_disseminate(item):
        raise CannotDisseminateFormat(f"{fmt.prefix} cannot describe {args.identifier}")
    el = etree.Element(f"{P}GetRecord")
    _record(el, repo, item, fmt)
    return el


def list_identifiers(repo: Repository, args: Arguments) -> etree._Element:
    return _list(repo, args, "ListIdentifiers", metadata=False)


def list_records(repo: Repository, args: Arguments) -> etree._Element:
    return _list(repo, args, "ListRecords", metadata=True)


BUILDERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# -- parts ----------------------------------------------------------------------------------------------------


def _item(repo: Repository, identifier: str) -> Item:
    record_id = repo.links.record_id(identifier)
    item = repo.provider.item(record_id) if record_id is not None else None
    if item is None:
        raise IdDoesNotExist(f"no item {identifier!r} in this repository")
    return item


def _format(repo: Repository, prefix: str) -> MetadataFormat:
    fmt = repo.formats.get(prefix)
    if fmt is None:
        known = ", ".join(f.prefix for f in repo.formats.formats())
        raise CannotDisseminateFormat(f"no metadata format {prefix!r} here; use one of: {known}")
    return fmt


def _list(repo: Repository, args: Arguments, verb: str, *, metadata: bool) -> etree._Element:
    """ListIdentifiers and ListRecords: a page of items after the token's position, and the token for the next."""
    if args.resumption_token:
        token = tokens.decode_list(args.resumption_token, verb)
        prefix, set_spec, after, cursor = token.metadata_prefix, token.set_spec, token.after, token.cursor
        from_, until = arguments.bounds(token.from_, token.until)
        fmt = repo.formats.get(prefix)
        if fmt is None:
            raise BadResumptionToken(f"the resumption token asks for {prefix!r}, which is no longer offered")
    else:
        prefix, set_spec, after, cursor = args.required("metadataPrefix"), args.set_spec, None, 0
        from_, until = args.from_, args.until
        fmt = _format(repo, prefix)
    if set_spec is not None and not repo.provider.has_sets():
        raise NoSetHierarchy("this repository has no collections, so no sets")
    selection = Selection(
        since=from_.value if from_ else None, before=until.end if until else None, set_spec=set_spec
    )
    items = _page(repo, selection, after, fmt, metadata=metadata)
    if not items:
        raise NoRecordsMatch(
            "no records match these arguments"
            if after is None
            else "no records are left after this token's position (they were withdrawn from the "
            "list since the last page)"
        )
    more = len(items) > repo.page_size
    items = items[: repo.page_size]
    el = etree.Element(f"{P}{verb}")
    for item in items:
        if metadata:
            _record(el, repo, item, fmt)
        else:
            _header(el, repo, item)
    _token(
        el,
        repo,
        more,
        after is not None,
        cursor,
        lambda: tokens.ListToken(
            verb=verb,
            metadata_prefix=prefix,
            after=items[-1].position,
            cursor=cursor + len(items),
            set_spec=set_spec,
            from_=from_.text if from_ else None,
            until=until.text if until else None,
        ),
    )
    return el


def _page(
    repo: Repository, selection: Selection, after, fmt: MetadataFormat, *, metadata: bool
) -> list[Item]:
    """Up to page_size + 1 items the format can describe (the one more says whether the list goes on). Deleted
    items are headers only, in every format."""
    items: list[Item] = []
    position = after
    while len(items) <= repo.page_size:
        batch = repo.provider.items(selection, position, repo.page_size + 1, metadata=metadata)
        items.extend(i for i in batch if i.deleted or fmt.can_disseminate(i))
        if len(batch) <= repo.page_size:
            break
        position = batch[-1].position
    return items


def _header(parent: etree._Element, repo: Repository, item: Item) -> etree._Element:
    header = sub(parent, f"{P}header", status="deleted" if item.deleted else None)
    sub(header, f"{P}identifier", repo.links.record(item.record_id))
    sub(header, f"{P}datestamp", arguments.datestamp(item.datestamp))
    for spec in item.set_specs:
        sub(header, f"{P}setSpec", spec)
    return header


def _record(parent: etree._Element, repo: Repository, item: Item, fmt: MetadataFormat) -> None:
    record = sub(parent, f"{P}record")
    _header(record, repo, item)
    if not item.deleted:  # a deleted record is its header alone, never its metadata
        sub(record, f"{P}metadata").append(fmt.write(item, repo.context))


def _token(el: etree._Element, repo: Repository, more: bool, resumed: bool, cursor: int, make) -> None:
    """The resumptionToken element: a token when the list goes on; an empty one closing a list that was
    resumed; none for a list complete in one response."""
    if more:
        sub(el, f"{P}resumptionToken", tokens.encode(make()), cursor=str(cursor))
    elif resumed:
        sub(el, f"{P}resumptionToken", cursor=str(cursor))
