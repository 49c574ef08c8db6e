"""The fields of the search index, declared once: the index document (documents.py) has exactly these keys,
both engines build their schemas from them, and facets, query fields and URL parameters are the ones marked
here. docs/search.md lists them (tests/search/test_fields.py keeps the two in step).

`kind` says what an engine does with a field's values:
- "id": the document's id, matched whole (`id:`);
- "text": words, matched by their stem and ranked by `weight`;
- "keyword": exact values: a facet's values (a list), a sort key, a line shown with a hit;
- "date": a day as the number YYYYMMDD, compared by ranges;
- "number": an integer (the sort keys of dates);
- "flag": true or false.
"""

from __future__ import annotations

from dataclasses import dataclass

from readingroom.records.vocabulary import AUTHORITY_KIND

KINDS = ("id", "text", "keyword", "date", "number", "flag")
MODES = ("and", "or")


@dataclass(frozen=True)
class Field:
    name: str  # the index field; also the URL parameter of a facet, and `name:` in a query
    label: str = ""  # defaults to its authority kind's label
    kind: str = "keyword"
    weight: float = 0.0  # rank of a "text" field's matches against the others'
    # A facet's mode: how several selected values of it combine. "and" narrows (a document about Vietnam AND
    # about the Soviet Union, as the Wilson Center Digital Archive does for subjects), "or" widens (letters OR
    # telegrams). None: not a facet.
    mode: str | None = None
    size: int = 10  # a facet's values shown
    query: bool = False  # a query can name it (`person:rusk`); a facet so named matches its values' words
    aliases: tuple[str, ...] = ()  # other names a query may use for it
    authority: str | None = None  # the authority kind its values are the names of
    stored: bool = False  # given back with a hit (result lines, snippets)
    exact: bool = False  # a "text" field whose exact forms rank above other forms of the same stem (tantivy)
    sort: bool = False  # a sort key

    def __post_init__(self):
        if self.kind not in KINDS or self.mode not in (None, *MODES):
            raise ValueError(
                f"search field {self.name!r}: the kind is one of {KINDS}, the mode None or one of {MODES}"
            )
        if not self.label and self.authority:
            object.__setattr__(self, "label", AUTHORITY_KIND[self.authority].label)

    @property
    def is_facet(self) -> bool:
        return self.mode is not None

    @property
    def query_names(self) -> tuple[str, ...]:
        """What a query may call it: its name, its aliases, and, for a field named after its authority kind,
        the kind's plural (`persons:`)."""
        if not self.query:
            return ()
        plural = (AUTHORITY_KIND[self.authority].plural,) if self.authority == self.name else ()
        return (self.name, *self.aliases, *plural)


FIELDS: tuple[Field, ...] = (
    Field("id", "Id", "id", query=True, stored=True),
    Field("title", "Title", "text", weight=3.0, query=True, stored=True, exact=True),
    Field("summary", "Summary", "text", weight=2.0, stored=True, exact=True),
    Field("text", "Text", "text", weight=1.0, query=True, stored=True),
    # What the record page prints besides its texts, so that a word a reader sees there finds the record: the
    # names of its people, places, subjects, collections, translators and archive, its number, dateline and
    # types (`names`), and its source note, archival reference, credit line and archive (`source:`).
    Field("names", "Names and other details", "text", weight=1.0),
    Field("source", "Source note and archive", "text", weight=1.0, query=True),
    # Facets, in the order the search page shows them.
    Field("subject", mode="and", query=True, authority="subject"),
    Field("place", mode="and", query=True, authority="place"),
    Field("person", mode="and", query=True, authority="person"),
    Field("collection", mode="and", query=True, authority="collection"),
    Field("type", "Document type", mode="or", query=True, aliases=("doctype",)),
    Field("lang", "Language", mode="or", query=True, aliases=("language",)),
    Field(
        "repository", "Source archive", mode="or", query=True, aliases=("archive",), authority="repository"
    ),
    Field("funder", mode="and", authority="funder"),
    Field("translator", "Translator", mode="and", query=True, authority="person"),
    Field("classification", "Classification", mode="or"),
    Field("decade", "Decade", mode="or", size=30),
    Field("year", "Year", mode="or", size=30),  # every year of a few decades: the date histogram's bars
    Field("certainty", "Date certainty", mode="or", size=3),
    # The kinds of passage withheld at declassification (records/withheld.py), and "any" on every record with one.
    Field("withheld", "Withheld at declassification", mode="or", size=15),
    # Dates, and what results are sorted by.
    Field("date_earliest", "Earliest date", "date"),
    Field("date_latest", "Latest date", "date"),
    Field("undated", "Undated", "flag"),
    Field("date_asc", "Date, oldest first", "number", sort=True),
    Field("date_desc", "Date, newest first", "number", sort=True),
    Field("title_sort", "Title, folded for sorting", sort=True),
    # Shown with a hit.
    Field("date_text", "Date as written", stored=True),
    Field("type_label", "Document type of a result line", stored=True),
    Field("collection_label", "Collection of a result line", stored=True),
)
BY_NAME = {f.name: f for f in FIELDS}

TEXT_FIELDS = tuple(f for f in FIELDS if f.kind == "text")
"""Matched by the words of an unfielded query, by stem, weighted."""

FACETS = tuple(f for f in FIELDS if f.is_facet)
"""Counted for every search, selected by URL parameters of their names."""

WORD_FIELDS = tuple(f for f in FACETS if f.query)
"""Facets a query can search by the words of their values (`person:rusk`): each engine keeps a folded twin."""

STORED_FIELDS = tuple(f for f in FIELDS if f.stored)
"""Given back with each hit."""

QUERY_NAMES = {alias: f.name for f in FIELDS for alias in f.query_names}
"""What a query may name a field (`persons:`) -> the field."""
