"""Documents related to a record through the store's link tables: the people, organizations, places and subjects
they share (RecordLink), and the cross-references between them (RecordRelation, in either direction).

Public records only, through visibility.py: a hidden record is neither shown nor counted (an authority's weight
comes from the public records carrying it). Ranked by what they share, each shared authority weighing more the
fewer public documents carry it (1 / log(1 + documents)), a cross-reference more than any one authority.
Every answer says why ("shares 3 people: …", "refers to this document").

Text likeness (search/related.py) is the other half; web/contexts.py puts the two together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from .models import Record, RecordLink, RecordRelation
from .visibility import public_targets
from .vocabulary import AUTHORITY_KIND

SHARED_KINDS = tuple(
    k.name for k in AUTHORITY_KIND.values() if k.agent or (k.hierarchical and k.name != "collection")
)
"""The kinds of authority that relate two documents: people, organizations, places and subjects (collections,
repositories and funders say where a document is kept or who paid for its publication, not what it is about)."""

COMMON_LINKS = 1000
"""An authority with more links than this says little about relatedness, and reading its links would cost the
page most of its time: it is left out of the ranking."""

# A cross-reference is an editor's word: it weighs about as much as sharing three rare authorities.
CROSS_REFERENCE_WEIGHT = 3.0
SHOWN_NAMES = 3  # names listed per kind in a reason; the rest are counted


@dataclass
class Related:
    """A related document (a public Record, with id, title and dates) and why it is related."""

    record: Record
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0


def weight(documents: int) -> float:
    """What sharing an authority carried by this many public documents is worth."""
    return 1.0 / math.log(1 + max(1, documents))


def shared_reason(kind: str, names: list[str]) -> str:
    """'shares 3 people: Rusk, Dean; Bundy, McGeorge; Thompson, Llewellyn' (names up to SHOWN_NAMES, then '…')."""
    one, many = AUTHORITY_KIND[kind].label.lower(), AUTHORITY_KIND[kind].label_plural.lower()
    count = len(names)
    listed = "; ".join(names[:SHOWN_NAMES]) + (" …" if count > SHOWN_NAMES else "")
    article = "an" if one[0] in "aeiou" else "a"
    return f"shares {article if count == 1 else count} {one if count == 1 else many}: {listed}"


def related_by_links(record: Record, limit: int = 8) -> list[Related]:
    """The public documents sharing the most (weighted) authorities and cross-references with `record`, best
    first (ties by id), never the record itself."""
    own = {
        link.authority_id: link.authority
        for link in RecordLink.objects.filter(record_id=record.pk, authority__kind__in=SHARED_KINDS)
        .select_related("authority")
        .only("authority_id", "authority__id", "authority__kind", "authority__name")
    }
    # Cross-references, both ways: what this record cites or relates to, and what cites or relates to it.
    outgoing = set(RecordRelation.objects.filter(source_id=record.pk).values_list("target_id", flat=True))
    incoming = set(
        RecordRelation.objects.filter(target_id=record.pk)
        .exclude(source_id=record.pk)
        .values_list("source_id", flat=True)
    )
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    public_refs = public_targets((outgoing | incoming) - {record.pk})
    for pk in sorted(public_refs):
        scores[pk] = CROSS_REFERENCE_WEIGHT
        reasons[pk] = [
            *(["this document refers to it"] if pk in outgoing else []),
            *(["refers to this document"] if pk in incoming else []),
        ]
    usable = _usable_authorities(list(own))
    if usable:
        # The public documents carrying each usable authority, in one read of at most COMMON_LINKS links each;
        # each link's record looked up by id (EXISTS): with a join, SQLite would rather start from every published
        # record (visibility.public_authority_ids_sql meets the same planner).
        carriers: dict[int, set[str]] = {}
        for pk, a in (
            RecordLink.objects.filter(
                Exists(Record.objects.public().filter(pk=OuterRef("record_id"))), authority_id__in=usable
            )
            .order_by()
            .values_list("record_id", "authority_id")
        ):
            carriers.setdefault(a, set()).add(pk)
        # The weight counts the public documents carrying the authority, the record itself among them (it is
        # public: its page is shown); an authority no other public document carries relates nothing.
        weights = {a: weight(len(pks)) for a, pks in carriers.items() if len(pks) > 1}
        shared: dict[str, list[int]] = {}
        in_order = {a: i for i, a in enumerate(own)}  # the record's own order of its names
        # The rarest, most telling, first:
        for a in sorted(weights, key=lambda a: (-weights[a], in_order[a])):
            for pk in carriers[a]:
                if pk != record.pk:
                    shared.setdefault(pk, []).append(a)
        for pk, authorities in shared.items():
            scores[pk] = scores.get(pk, 0.0) + sum(weights[a] for a in authorities)
        best = sorted(shared, key=lambda pk: (-scores[pk], pk))[:limit]
        for pk in best:
            by_kind: dict[str, list[str]] = {}
            for a in shared[pk]:
                by_kind.setdefault(own[a].kind, []).append(own[a].name)
            reasons.setdefault(pk, []).extend(
                shared_reason(kind, by_kind[kind]) for kind in SHARED_KINDS if kind in by_kind
            )
    order = sorted(scores, key=lambda pk: (-scores[pk], pk))[:limit]
    found = dict(public_refs)
    missing = [pk for pk in order if pk not in found]
    found.update(public_targets(missing))
    return [Related(found[pk], reasons.get(pk, []), scores[pk]) for pk in order if pk in found]


def _usable_authorities(authority_ids: list[int]) -> list[int]:
    """Those of the record's authorities carried by no more than COMMON_LINKS links. A bound on the work (links
    counted up to the bound, whatever their records: a few index entries each), not a measure of relatedness: the
    weights count public documents only."""
    return [
        a
        for a in authority_ids
        if RecordLink.objects.filter(authority_id=a).order_by().values("id")[: COMMON_LINKS + 1].count()
        <= COMMON_LINKS
    ]
