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
        .annotate(n=Count("date_earliest"))  # not "id": the dates' index answers alone (models.Record)
        .order_by("year")
    )
    return [(int(r["year"]), r["n"]) for r in rows]


def timeline(counts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every year from the first to the last of `counts` (year_counts()), those without documents with 0: a
    timeline that skipped them would draw 1932 and 1934 side by side."""
    if not counts:
        return []
    found = dict(counts)
    return [(y, found.get(y, 0)) for y in range(counts[0][0], counts[-1][0] + 1)]


def nearest_years(year: int) -> tuple[int | None, int | None]:
    """The nearest years before and after `year` that records_in_year() finds published documents in (a
    document counts in every year its date range touches). Two aggregates over the dated records, whatever the
    size of the archive: the latest end among those beginning before the year, the earliest beginning among those
    ending after it."""
    from django.db.models import Max, Min

    dated = Record.objects.public().exclude(date_earliest="").exclude(date_latest="")
    before = dated.filter(date_earliest__lt=f"{year:04d}").aggregate(end=Max("date_latest"))["end"]
    after = None
    if year < 9999:  # dates are compared as text: "9999-12-31" would come after "10000"
        after = dated.filter(date_latest__gte=f"{year + 1:04d}").aggregate(start=Min("date_earliest"))[
            "start"
        ]
    return (
        min(year - 1, int(before[:4])) if before else None,
        max(year + 1, int(after[:4])) if after else None,
    )


def nearest(values: list, value) -> tuple:
    """The nearest value before and after `value` in a sorted list (None where there is none)."""
    import bisect

    before = bisect.bisect_left(values, value)
    after = bisect.bisect_right(values, value)
    return (values[before - 1] if before else None, values[after] if after < len(values) else None)


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


DAY_PRECISIONS = ("day", "minute", "second")


def on_this_day(day: dt.date):
    """Documents dated (to the day) on this month and day, any year, oldest first."""
    suffix = f"-{day.month:02d}-{day.day:02d}"
    return (
        Record.objects.public()
        .filter(date_precision__in=DAY_PRECISIONS, date_earliest__regex=rf"^\d{{4}}{suffix}")
        .order_by("date_earliest", "id")
    )


def days_with_documents() -> list[dt.date]:
    """The days of the year (in the leap year 2000, so 29 February is one) on which a published document is
    dated to the day, in calendar order: at most 366, whatever the size of the archive."""
    days = set()
    for month_day in (
        Record.objects.public()
        .filter(date_precision__in=DAY_PRECISIONS)
        .annotate(month_day=Substr("date_earliest", 6, 5))
        .values_list("month_day", flat=True)
        .distinct()
    ):
        try:
            days.add(dt.date(2000, int(month_day[:2]), int(month_day[3:5])))
        except ValueError:
            continue  # not a calendar day (a malformed date): nothing to lead a reader to
    return sorted(days)


def nearest_days(days: list[dt.date], day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The nearest day before and after `day` with documents, round the year (after December 31 comes January
    1); None when no other day has any."""
    others = [d for d in days if d != day]
    if not others:
        return None, None
    earlier, later = nearest(others, day)
    return earlier or others[-1], later or others[0]


@dataclass
class TreeNode:
    authority: Authority
    count: int  # public documents linked to this authority itself
    total: int = 0  # distinct public documents linked to it or to any authority below it
    children: list[TreeNode] = field(default_factory=list)


def authority_tree(kind: str) -> list[TreeNode]:
    """The whole hierarchy of a kind, each node with its public document counts (its own, and the distinct
    documents of its subtree: a document filed under a volume and under its chapter is counted once), siblings in
    order."""
    nodes = {a.pk: TreeNode(a, a.public_count) for a in authorities_with_counts(kind)}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.authority.parent_id)
        (parent.children if parent else roots).append(node)
    totals = subtree_totals(kind=kind)
    for node in nodes.values():
        node.total = totals.get(node.authority.pk, 0)
    return _prune(roots)


def subtree_totals(roots=None, *, kind: str | None = None) -> dict[int, int]:
    """Distinct public documents linked to each authority or to any below it, by pk: what its page lists
    (services.authority_records). For these `roots`, or for every authority of a `kind`.

    Counted by the database in one query: each authority paired with itself and every authority below it (a
    recursive query; UNION stops at a cycle a bad authority file may have left), joined to the public links."""
    from django.db import connection

    from .models import RecordLink
    from .visibility import public_q

    table = connection.ops.quote_name(Authority._meta.db_table)
    if roots is not None:
        pks = [a.pk for a in roots]
        if not pks:
            return {}
        start, params = f"r.id IN ({', '.join(['%s'] * len(pks))})", list(pks)
    elif kind is not None:
        start, params = "r.kind = %s", [kind]
    else:
        raise ValueError("subtree_totals: give the roots or a kind")
    links = RecordLink.objects.filter(public_q("record__"))
    if kind is not None:
        links = links.filter(authority__kind=kind)
    links_sql, links_params = links.order_by().values("authority_id", "record_id").query.sql_with_params()
    sql = (
        f"WITH RECURSIVE below(node, top) AS ("
        f"SELECT r.id, r.id FROM {table} r WHERE {start} "
        f"UNION SELECT a.id, b.top FROM {table} a JOIN below b ON a.parent_id = b.node"
        f") SELECT below.top, COUNT(DISTINCT links.record_id) FROM below "
        f"JOIN ({links_sql}) links ON links.authority_id = below.node GROUP BY below.top"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *links_params])
        found = {top: n for top, n in cursor.fetchall()}
    if roots is not None:
        return {pk: found.get(pk, 0) for pk in pks}
    return found


def _prune(nodes: list[TreeNode]) -> list[TreeNode]:
    """Leave out branches with no published document below them."""
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.total:
            kept.append(node)
    return kept
