"""What is known about a person, gathered from the authority records that name them.

A person often has several authority records: the Office of the Historian's people list (`people` import: birth and
death years, alternate names, the positions the FRUS persons lists give them, as `remarks`) and one entry per FRUS
volume's persons glossary (`frus` import: the volume's identification, e.g. "Secretary of State", as
`description`), which the import hangs below the people-list entry it links to (`parent`). That is the same person,
not a narrower one: a person page shows the facts of them all, and links the other records as the same person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Authority

YEAR = re.compile(r"(?<!\d)(1[0-9]\d\d|20\d\d)(?!\d)")
APPOINTEE = re.compile(r"^((?:non-)?career appointee)\.\s*", re.IGNORECASE)
# Where a position's title ends and its dates or qualifications begin.
TITLE_END = re.compile(r",|;|\s(?:from|until|since|through|after|before)\s|\s\(|\d", re.IGNORECASE)


@dataclass
class Identification:
    """How a FRUS volume's persons list identifies the person."""

    text: str
    volume: str  # the volume's id (frus1964-68v07)
    authority: Authority
    volume_name: str = ""  # its collection's name and page, when the public may see it
    volume_url: str = ""


@dataclass
class Position:
    text: str  # as written
    first: int | None  # the years the text names
    last: int | None

    @property
    def years(self) -> str:
        if self.first is None:
            return ""
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass
class PersonFacts:
    birth_year: str | None = None
    death_year: str | None = None
    alternates: list[str] = field(default_factory=list)
    identifications: list[Identification] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    appointment: str | None = None  # "Non-career appointee", as the Department's history says
    same_person: list[Authority] = field(default_factory=list)  # the person's other authority records

    @property
    def lifetime(self) -> str:
        if not (self.birth_year or self.death_year):
            return ""
        return f"{self.birth_year or '?'}–{self.death_year or ''}"


def person_facts(person: Authority, public_children) -> PersonFacts:
    """The facts of a person authority, of the people-list entry it hangs below, and of its public entries below
    (`public_children`: only those a public record carries; services.authorities_with_counts)."""
    parent = person.parent if person.parent is not None and person.parent.kind == person.kind else None
    others = [a for a in [parent, *public_children] if a is not None]
    facts = PersonFacts(same_person=others)
    remarks: list[str] = []
    for entry in [person, *others]:
        data = entry.data or {}
        facts.birth_year = facts.birth_year or _text(data.get("birth_year"))
        facts.death_year = facts.death_year or _text(data.get("death_year"))
        for name in data.get("alternates") or []:
            if name not in facts.alternates and name != person.name:
                facts.alternates.append(name)
        if data.get("description"):
            facts.identifications.append(Identification(data["description"], data.get("volume") or "", entry))
        remarks.extend(r for r in data.get("remarks") or [] if isinstance(r, str))
    facts.appointment, facts.positions = positions(remarks)
    _name_volumes(facts.identifications)
    return facts


def _name_volumes(identifications: list[Identification]) -> None:
    """Each identification's volume by its collection's name, linked, when that collection is public."""
    from .models import Authority
    from .visibility import authority_is_public

    volumes = {i.volume for i in identifications if i.volume}
    if not volumes:
        return
    found = {
        a.key: a
        for a in Authority.objects.filter(kind="collection", key__in=volumes)
        if authority_is_public(a)
    }
    for i in identifications:
        if i.volume in found:
            i.volume_name, i.volume_url = found[i.volume].name, found[i.volume].get_absolute_url()


def positions(remarks: list[str]) -> tuple[str | None, list[Position]]:
    """The positions the remarks name, each once, in the order of their years (undated ones last).

    The people list repeats a position as each FRUS volume worded it ("Secretary of State", "Secretary of State
    from January 1961", "Secretary of State, January 21, 1961–January 20, 1969"): of the statements of one title,
    one whose years are all named by another is left out, and of those naming the same years the fullest kept."""
    appointment = None
    statements: list[tuple[str, str, frozenset[int]]] = []
    for remark in remarks:
        found = APPOINTEE.match(remark.strip())
        if found:
            appointment = appointment or found.group(1).capitalize()
            remark = remark.strip()[found.end() :]
        for part in remark.split(";"):
            text = part.strip().rstrip(".").strip()
            if not text:
                continue
            title = TITLE_END.split(text, maxsplit=1)[0].strip().lower()
            years = frozenset(int(y) for y in YEAR.findall(text))
            statements.append((title, text, years))
    kept = [(i, text, years) for i, (_, text, years) in enumerate(statements) if not _covered(i, statements)]
    kept.sort(key=lambda k: (min(k[2]) if k[2] else 10000, k[0]))
    return appointment, [
        Position(text, min(years) if years else None, max(years) if years else None)
        for _, text, years in kept
    ]


def _covered(i: int, statements: list[tuple[str, str, frozenset[int]]]) -> bool:
    """Another statement of the same title names all these years and more, or the same years more fully (or, word
    for word the same, comes first)."""
    title, text, years = statements[i]
    for j, (other_title, other, other_years) in enumerate(statements):
        if j == i or other_title != title:
            continue
        if years < other_years:
            return True
        if years == other_years and (len(other), -j) > (len(text), -i):
            return True
    return False


def _text(value) -> str | None:
    return str(value) if value not in (None, "") else None
