"""The record vocabularies, each declared once: statuses, authority kinds, text kinds, relation types, the id
syntax and classification markings.

The schema (schema.py) validates records against these, and every other surface reads them from here: the
model's choices, the URLs, the command line, the pages, the importers, the search fields (search/fields.py).
tests/test_vocabulary.py fails when one of them is declared again elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- statuses ---------------------------------------------------------------------------------------------------

STATUSES = ("draft", "in-review", "published", "withdrawn")
"""A record's publication status, in the order of its life."""

PUBLISHED = "published"
"""The status the public may see (and then only out of embargo: records/visibility.py)."""

WITHDRAWN = "withdrawn"
"""The status of a record taken back after publication: kept, with a tombstone (OAI-PMH shows it as deleted)."""

DEFAULT_STATUS = PUBLISHED
"""The status of a record that gives none."""

IMPORT_STATUSES = ("draft", "in-review", PUBLISHED)
"""What `readingroom import --status` may set on every record of an import. Withdrawing is not an import's
business: a record says so itself, and keeps it through export and import."""


# -- authority kinds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorityKind:
    """A kind of authority (a controlled name a record points to)."""

    name: str  # as records and the store spell it
    plural: str  # its URL segment (/persons/); a query may name a search field so too (persons:)
    label: str
    label_plural: str
    hierarchical: bool = False  # its authorities have narrower ones (`parent`), browsed as a tree
    agent: bool = False  # may create, send or receive a document (creators, recipients, contributors)


AUTHORITY_KIND = {
    k.name: k
    for k in (
        AuthorityKind("person", "persons", "Person", "People", agent=True),
        AuthorityKind("organization", "organizations", "Organization", "Organizations", agent=True),
        AuthorityKind("place", "places", "Place", "Places", hierarchical=True),
        AuthorityKind("subject", "subjects", "Subject", "Subjects", hierarchical=True),
        AuthorityKind("collection", "collections", "Collection", "Collections", hierarchical=True),
        AuthorityKind("repository", "repositories", "Repository", "Repositories"),
        AuthorityKind("funder", "funders", "Funder", "Funders"),
    )
}
"""Every authority kind by name, in the order pages and messages list them."""

AUTHORITY_KINDS = tuple(AUTHORITY_KIND)
"""The kinds' names."""

AGENT_KINDS = tuple(k.name for k in AUTHORITY_KIND.values() if k.agent)
"""The kinds a creator, recipient or contributor may be."""

KIND_BY_PLURAL = {k.plural: k.name for k in AUTHORITY_KIND.values()}
"""URL segment -> kind name."""


ROLE_LABELS = {
    "creator": "Creator",
    "author": "Author",
    "sender": "From",
    "recipient": "To",
    "translator": "Translator",
    "editor": "Editor",
    "compiler": "Compiler",
    "contributor": "Contributor",
}
"""How a record page labels the people of a document by their role (a role not listed is shown capitalized)."""

PEOPLE_ROLES = ("creator", "author", "sender", "recipient", "editor", "compiler", "contributor")
"""The roles a record page lists at the top, in this order (and the preview of one: records/preview.py)."""


# -- texts and relations ----------------------------------------------------------------------------------------

TEXT_KINDS = ("original", "transcription", "translation")
"""What one of a record's texts is: the document as written, a transcription of it, or a translation."""

DEFAULT_TEXT_KIND = "translation"
"""The kind of a text that gives none."""

RELATION_TYPES = ("related", "attachment", "cites", "cited-by", "part-of", "translation-of")
"""How a record relates to another record it links to."""

DEFAULT_RELATION_TYPE = "related"
"""The type of a relation that gives none."""


# -- record ids -------------------------------------------------------------------------------------------------

_ID_CHARACTERS = r"A-Za-z0-9._:\-"

ID_PATTERN = re.compile(rf"^[A-Za-z0-9][{_ID_CHARACTERS}]*(/[{_ID_CHARACTERS}]+)*$")
"""A record id: letters, digits, '.', '_', ':', '-', and '/' between parts ("frus1964-68v07/d74"). It is the
record's URL (/records/<id>/), so it needs no escaping there."""

KEY_PATTERN = re.compile(rf"^[A-Za-z0-9][{_ID_CHARACTERS}]*$")
"""An authority key an import file gives (a person's id, a taxonomy tag's): an id of one part, without '/'."""

ID_MAX_LENGTH = 250
"""The longest record id, in characters (the store's id columns hold this many)."""

ID_RULE = "use letters, digits, '.', '_', ':', '-' and '/' between parts"
"""ID_PATTERN in words, for messages."""


# -- classification markings ------------------------------------------------------------------------------------
# A record's `classification` holds markings as the document prints them; importers recognize these spellings
# (matching ignores case, the spelling below is kept). Nothing refuses other markings.

CLASSIFICATIONS = (
    "Top Secret",
    "Secret",
    "Confidential",
    "Strictly Confidential",
    "Restricted",
    "Limited Official Use",
    "Official Use Only",
    "For Official Use Only",
    "Unclassified",
)
"""Security classifications."""

URGENCIES = ("Very Urgent", "Urgent")
"""Urgency as translated cables of the Soviet bloc and China print it."""

PRECEDENCES = ("Flash", "Immediate", "Operational Immediate", "Priority", "Routine", "Niact", "Emergency")
"""US telegram precedence: how fast a telegram travels."""

EYES_ONLY = ("Eyes Only", "Literally Eyes Only", "Exclusively Eyes Only", "Eyes Only for the Secretary")
"""Who alone may read it."""

HANDLING = (
    "Nodis",
    "Exdis",
    "Limdis",
    "Stadis",
    "Noforn",
    "Nocontract",
    "Orcon",
    "Specat",
    "Personal",
    "Personal and Confidential",
    "Sensitive",
    "Administratively Confidential",
    "Harvan",
    "Double Plus",
    "Plus",
    "Cherokee",
    "Via Cherokee Channels",
    "Roger Channel",
    "Codeword",
    "Umbra",
    "No Distribution",
    "Exclusive Distribution",
    "Limited Distribution",
)
"""Handling and distribution caveats, and channel names of the FRUS era."""

MARKINGS = CLASSIFICATIONS + URGENCIES + PRECEDENCES + EYES_ONLY + HANDLING
"""Every marking recognized in a list of them (a FRUS source note: "Secret; Immediate; Nodis")."""

TITLE_MARKINGS = CLASSIFICATIONS + URGENCIES + EYES_ONLY
"""The markings recognized at the start of a title ("Top Secret Memorandum of Conversation ..."): precedences
and handling words also begin ordinary titles ("Personal Letter ...", "Priority Tasks ...")."""


# -- withheld passages ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithheldKind:
    """What a marker of a passage withheld at declassification ("[1 paragraph not declassified]") says is
    missing (records/withheld.py recognizes them)."""

    name: str  # the value of a record's `withheld[].kind` and of the search facet `withheld`
    label: str  # one, as the record page counts it ("1 name")
    label_plural: str  # several ("2 names"); the facet's value label
    words: tuple[str, ...]  # the words of a marker that name it (singular forms; a plural "s" is allowed)


WITHHELD_KIND = {
    k.name: k
    for k in (
        WithheldKind("name", "name", "names", ("name", "person", "individual")),
        WithheldKind("text", "passage of text", "passages of text", ("text", "passage", "word", "sentence")),
        WithheldKind("paragraph", "paragraph", "paragraphs", ("paragraph",)),
        WithheldKind("line", "line", "lines", ("line",)),
        WithheldKind("page", "page", "pages", ("page",)),
        WithheldKind("document", "document", "documents", ("document", "telegram", "memorandum", "cable")),
        WithheldKind("place", "place", "places", ("place", "location", "country", "city")),
        WithheldKind("title", "title", "titles", ("title", "position", "office")),
        WithheldKind("number", "number", "numbers", ("number", "figure", "date")),
        WithheldKind("amount", "amount", "amounts", ("amount", "dollar", "sum")),
        WithheldKind("cryptonym", "cryptonym", "cryptonyms", ("cryptonym", "codename", "code")),
        WithheldKind("footnote", "footnote", "footnotes", ("footnote", "note")),
        WithheldKind("attachment", "attachment", "attachments", ("attachment", "enclosure", "tab", "annex")),
        WithheldKind("other", "other passage", "other passages", ()),
    )
}
"""The kinds of withheld passage, in the order a record page lists them; "other" when no word names one."""

WITHHELD_KINDS = tuple(WITHHELD_KIND)

WITHHELD_ANY = "any"
"""The facet value every record with at least one withheld passage carries (`withheld=any`)."""
