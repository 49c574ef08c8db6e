"""Resumption tokens: a cursor, not an offset.

A token carries the request's arguments (metadataPrefix, set, from, until), the position of the last item sent
(its datestamp to the microsecond and its record id; for ListSets, the last set's key) and how many items were
sent before (the `cursor` attribute). The next page is "the items after that position" (records/harvest.py
answers it from the (updated, id) index), so a token costs the same deep in a list as at its start, needs no
state on the server and stays valid while records change: a record changed during a harvest moves behind the
cursor's position and comes again later in the same harvest.

The text is URL-safe base64 of a small JSON object. It is opaque to harvesters, and not secret: anyone may
decode it, and a forged one can only ask for what the same request without a token could.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from . import arguments
from .errors import BadResumptionToken

VERSION = 1


@dataclass(frozen=True)
class Position:
    """Where a list stopped: the last record's datestamp (full precision) and id."""

    datestamp: dt.datetime
    record_id: str


@dataclass(frozen=True)
class ListToken:
    """The state of a ListIdentifiers or ListRecords harvest."""

    verb: str
    metadata_prefix: str
    after: Position
    cursor: int  # items sent before the page this token asks for
    set_spec: str | None = None
    from_: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class SetsToken:
    """The state of a ListSets list."""

    after: str  # the provider's position of the last set sent (a collection key)
    cursor: int


def encode(token: ListToken | SetsToken) -> str:
    if isinstance(token, SetsToken):
        body: dict = {"v": VERSION, "verb": "ListSets", "after": token.after, "n": token.cursor}
    else:
        body = {
            "v": VERSION,
            "verb": token.verb,
            "prefix": token.metadata_prefix,
            "after": [token.after.datestamp.astimezone(dt.UTC).isoformat(), token.after.record_id],
            "n": token.cursor,
        }
        for key, value in (("set", token.set_spec), ("from", token.from_), ("until", token.until)):
            if value is not None:
                body[key] = value
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def _body(text: str, verb: str) -> dict:
    """The JSON object inside a token this repository gave out for `verb`."""
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadResumptionToken("the resumption token is not one this repository gave out") from None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        raise BadResumptionToken("the resumption token is not one this repository gave out")
    if body.get("verb") != verb:
        raise BadResumptionToken(
            f"the resumption token continues a {body.get('verb')} list, not {verb}: "
            f"send it with verb={body.get('verb')}"
        )
    cursor = body.get("n")
    if not isinstance(cursor, int) or cursor < 0:
        raise BadResumptionToken("the resumption token is damaged (its count)")
    return body


def decode_sets(text: str) -> SetsToken:
    """A ListSets token; badResumptionToken if it is not one."""
    body = _body(text, "ListSets")
    if not isinstance(body.get("after"), str):
        raise BadResumptionToken("the resumption token is damaged (its position)")
    return SetsToken(after=body["after"], cursor=body["n"])


def decode_list(text: str, verb: str) -> ListToken:
    """A ListIdentifiers or ListRecords token, for a request with `verb`; badResumptionToken if it is not one.
    Its arguments are checked as a request's are."""
    body = _body(text, verb)
    try:
        stamp, record_id = body["after"]
        after = Position(dt.datetime.fromisoformat(stamp), str(record_id))
        if after.datestamp.tzinfo is None:
            raise ValueError("a datestamp without its time zone")
        prefix = arguments.metadata_prefix(body["prefix"])
        set_spec = body.get("set")
        if set_spec is not None:
            arguments.set_spec_value(set_spec)
        arguments.bounds(body.get("from"), body.get("until"))
        return ListToken(
            verb=verb,
            metadata_prefix=prefix,
            after=after,
            cursor=body["n"],
            set_spec=set_spec,
            from_=body.get("from"),
            until=body.get("until"),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise BadResumptionToken(f"the resumption token is damaged ({e})") from None
