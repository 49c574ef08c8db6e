"""Browsing the published archive by time and by vocabulary: years, a timeline, on this day, authority trees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import Substr

from .models import Authority, Record
from .services import authorities_with_counts


def year_counts() -> list[tuple[int, int]]:
    """(year, published documents) for every year that has any, by the year a document's date starts in."""
    rows = (
        Record.objects.public()
        .exclude(date_earliest="")
        .annotate(year=Substr("date_earliest", 1, 4))
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    return [(int(r["year"]), r["n"]) for r in rows]


def undated_count() -> int:
    return Record.objects.public().filter(date_earliest="").count()


def records_in_year(year: int):
    """Documents whose date range overlaps the year, by date."""
    start, end = f"{year:04d}-01-01", f"{year:04d}-12-31~"
    return (
        Record.objects.public()
        .filter(date_earliest__lte=end, date_latest__gte=start)
        .order_by("date_earliest", "id")
    )


def on_this_day(day: dt.date):
    """Documents dated (to the day) on this month and day, any year, oldest first."""
    suffix = f"-{day.month:02d}-{day.day:02d}"
    return (
        Record.objects.public()
        .filter(date_precision__in=("day", "minute", "second"), date_earliest__regex=rf"^\d{{4}}{suffix}")
        .order_by("date_earliest", "id")
    )


@dataclass
class TreeNode:
    authority: Authority
    count: int
    children: list[TreeNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.count + sum(c.total for c in self.children)


def authority_tree(kind: str) -> list[TreeNode]:
    """The whole hierarchy of a kind, each node with its public document count, siblings in order."""
    nodes = {a.pk: TreeNode(a, a.public_count) for a in authorities_with_counts(kind)}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.authority.parent_id)
        (parent.children if parent else roots).append(node)
    return _prune(roots)


def _prune(nodes: list[TreeNode]) -> list[TreeNode]:
    """Leave out branches with no published document below them."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.total:
            kept.append(node)
    return kept
