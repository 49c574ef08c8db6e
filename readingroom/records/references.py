"""What a record's texts and notes refer to, resolved for its page: the persons its names are marked with (their
glossary entries: "Clifford, Clark M., Secretary of Defense") and the records it links to that the public may
see (records/visibility.py). At most one query for the persons (none on a record page, which has read the
record's authorities already) and one for the records, whatever the number of marks.

Texts keep both kinds of mark as records/texts.py describes: ``<span class="person" data-person="<key>">`` and
``<a href="/records/<id>/#<fragment>">``. Whether a linked record may be shown is decided here, as the page is
made, never at import: a record withdrawn after the import that linked it is not linked to.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from . import visibility
from .models import Authority, RecordLink
from .texts import linked_record_ids

# Sanitized markup (records/texts.py) writes attributes with double quotes and escapes what is inside them.
_SPAN = re.compile(r"<span\s[^>]*>")
_PERSON_CLASS = re.compile(r'\sclass="(?:[^"]*\s)?person(?:\s[^"]*)?"')
_DATA_PERSON = re.compile(r'\sdata-person="([^"]+)"')


@dataclass(frozen=True)
class Gloss:
    """A person as the volume's persons list identifies them."""

    key: str
    name: str
    description: str | None
    url: str

    @property
    def text(self) -> str:
        return f"{self.name}, {self.description}" if self.description else self.name


@dataclass(frozen=True)
class References:
    persons: dict[str, Gloss] = field(default_factory=dict)  # by authority key
    records: frozenset[str] = frozenset()  # ids of the linked records the public may see


def person_keys(markup: str) -> list[str]:
    """The authority keys of the marked names in sanitized markup, in order, each once."""
    if 'data-person="' not in markup:
        return []
    return list(dict.fromkeys(k for k in map(person_key, spans(markup)) if k))


def spans(markup: str) -> Iterator[re.Match]:
    return _SPAN.finditer(markup)


def person_key(span: re.Match) -> str | None:
    """The authority key of a span that marks a name (whatever the order of its attributes), else None."""
    tag = span.group(0)
    key = _DATA_PERSON.search(tag)
    return html.unescape(key.group(1)) if key and _PERSON_CLASS.search(tag) else None


def resolve(markups: Iterable[str], persons: Iterable[Authority] | None = None) -> References:
    """The persons and the public records these texts refer to. `persons`: the authorities the record itself
    names (its links, already read by its page, public with it): the glossary is taken from them without a
    query. Without them, one query finds the marked persons that a public record names. The records: one
    query, none when the texts link to none."""
    keys: list[str] = []
    records: list[str] = []
    for markup in markups:
        keys += person_keys(markup)
        records += linked_record_ids(markup)
    glosses: dict[str, Gloss] = {}
    if keys:
        wanted = set(keys)
        if persons is None:
            # Only persons a public record names: any other authority does not exist for the public.
            named = RecordLink.objects.filter(authority=OuterRef("pk")).filter(
                visibility.public_q("record__")
            )
            found = Authority.objects.filter(kind="person", key__in=wanted).filter(Exists(named))
            persons = found.only("kind", "key", "name", "data")
        for a in persons:
            if a.kind == "person" and a.key in wanted:
                description = (a.data or {}).get("description")
                glosses[a.key] = Gloss(
                    a.key, a.name, description if isinstance(description, str) else None, a.get_absolute_url()
                )
    public = frozenset(visibility.public_targets(records)) if records else frozenset()
    return References(glosses, public)


def of_document(doc: dict, persons: Iterable[Authority] | None = None) -> References:
    """What a record document's texts and notes refer to (resolve() over them)."""
    return resolve(
        [t.get("html") or "" for t in doc.get("texts") or []]
        + [n.get("html") or "" for n in doc.get("notes") or []],
        persons,
    )
