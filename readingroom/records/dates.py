"""Historical dates: the date as written, a normalized range, its precision and certainty, and EDTF.

A record's date is kept four ways, because archives need all of them:
- ``date_text``: the date exactly as the source writes it ("October 15, 1968, 1059Z");
- ``date`` (EDTF, Library of Congress Extended Date/Time Format): "1968-10-15", "1984-07", "1968~", "1968-10-15/1968-10-20";
- ``date_earliest`` / ``date_latest``: ISO dates (or date-times with their zone) bounding the range, used for filters
  and sorting; a year-precision date spans the whole year;
- ``date_precision`` (minute, day, month, year, range, undated) and ``date_certainty`` (stated, inferred, approximate).

We parse the small EDTF subset archives use ourselves rather than through the ``edtf`` package: we need the exact
bounds as ISO strings with time zones preserved, and clear error messages for impossible dates.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

PRECISIONS = ("minute", "second", "day", "month", "year", "range", "undated")
CERTAINTIES = ("stated", "inferred", "approximate")

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


class DateError(ValueError):
    """A date that cannot be understood or does not exist."""


@dataclass(frozen=True)
class DateInfo:
    date: str | None  # EDTF
    date_text: str | None
    date_earliest: str | None
    date_latest: str | None
    date_precision: str
    date_certainty: str

    def as_dict(self) -> dict:
        # Spelled out: dataclasses.asdict deep-copies every value, a tenth of validating a record.
        return {
            "date": self.date,
            "date_text": self.date_text,
            "date_earliest": self.date_earliest,
            "date_latest": self.date_latest,
            "date_precision": self.date_precision,
            "date_certainty": self.date_certainty,
        }


UNDATED = DateInfo(None, None, None, None, "undated", "stated")


def _check_year(year: str, original: str) -> int:
    if len(year) != 4:
        raise DateError(f"impossible year {year!r} in {original!r}: write years with four digits, e.g. 1957")
    if year == "0000":  # no year 0 in the calendar (1 BC is followed by AD 1), nor in Python's dates
        raise DateError(f"impossible year 0 in {original!r}: the first year is 0001")
    return int(year)


def _check_ymd(y: int, m: int | None, d: int | None, original: str) -> None:
    if m is not None and not 1 <= m <= 12:
        raise DateError(f"impossible month {m} in {original!r}: months run from 1 to 12")
    if d is not None:
        last = calendar.monthrange(y, m or 1)[1]
        if not 1 <= d <= last:
            raise DateError(
                f"impossible date {original!r}: {calendar.month_name[m or 1]} {y} has {last} days"
            )


_ISO = re.compile(
    r"^(?P<y>\d{4,})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)


def _bounds(single: str, original: str) -> tuple[str, str, str]:
    """Earliest, latest and precision of one EDTF/ISO point (no range, no qualifier)."""
    m = _ISO.match(single)
    if not m:
        raise DateError(
            f"cannot read the date {original!r}: use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[Z]"
        )
    y = _check_year(m["y"], original)
    month = int(m["m"]) if m["m"] else None
    day = int(m["d"]) if m["d"] else None
    _check_ymd(y, month, day, original)
    if m["H"] is not None:
        hour, minute = int(m["H"]), int(m["M"])
        second = int(m["S"]) if m["S"] else None
        if hour > 23 or minute > 59 or (second is not None and second > 59):
            raise DateError(f"impossible time in {original!r}")
        tz = m["tz"] or ""
        if tz and tz != "Z" and ":" not in tz:
            tz = tz[:3] + ":" + tz[3:]
        base = f"{y:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
        value = base + (f":{second:02d}" if second is not None else ":00") + tz
        return value, value, "second" if second else "minute"
    if day is not None:
        value = f"{y:04d}-{month:02d}-{day:02d}"
        return value, value, "day"
    if month is not None:
        last = calendar.monthrange(y, month)[1]
        return f"{y:04d}-{month:02d}-01", f"{y:04d}-{month:02d}-{last:02d}", "month"
    return f"{y:04d}-01-01", f"{y:04d}-12-31", "year"


def from_edtf(value: str, date_text: str | None = None) -> DateInfo:
    """Read an EDTF date ("1968-10-15", "1984-07", "1968~", "1968?", "1968-10-15/1968-10-20")."""
    original = value
    value = value.strip()
    if not value:
        return UNDATED if not date_text else DateInfo(None, date_text, None, None, "undated", "stated")
    certainty = "stated"
    if value.endswith("~") or value.endswith("%"):
        certainty, value = "approximate", value[:-1]
    elif value.endswith("?"):
        certainty, value = "inferred", value[:-1]
    if "/" in value:
        start, _, end = value.partition("/")
        e1, _l1, _p1 = _bounds(start, original)
        _e2, l2, _p2 = _bounds(end, original)
        if e1 > l2:
            raise DateError(f"the range {original!r} ends before it starts")
        return DateInfo(original.strip(), date_text, e1, l2, "range", certainty)
    earliest, latest, precision = _bounds(value, original)
    return DateInfo(original.strip(), date_text, earliest, latest, precision, certainty)


_TEXT_MDY = re.compile(
    r"^(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?,?\s+(?P<y>\d+)"
)
_TEXT_DMY = re.compile(
    r"^(?P<d>\d{1,2})(?:\s*[-–]\s*(?P<d2>\d{1,2}))?\s+(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d+)"
)
_TEXT_MY = re.compile(r"^(?P<mon>[A-Za-z]+)\.?,?\s+(?P<y>\d+)$")
_TEXT_Y = re.compile(r"^(?P<y>\d+)(?:\s*[-–]\s*(?P<y2>\d+))?$")
_TEXT_ISO = re.compile(r"^\d{4}(-\d{2}){0,2}(T[\d:]+(Z|[+-][\d:]+)?)?$")
_UNDATED = re.compile(r"^(undated|n\.\s?d\.?|no date|s\.\s?d\.?)$", re.I)
_APPROX = re.compile(r"^(ca\.?|c\.|circa|about|approximately)\s+", re.I)


def _month(name: str, original: str) -> int:
    try:
        return MONTHS[name.lower()]
    except KeyError:
        raise DateError(f"unknown month {name!r} in {original!r}") from None


def from_text(text: str) -> DateInfo:
    """Read a date as archives write it: "October 15, 1968", "15 October 1968", "October 1968", "1968",
    "ca. 1968", "[1968]" (inferred), "October 15-20, 1968", "undated"."""
    original = " ".join(text.split())
    s = original.rstrip(".")
    if not s or _UNDATED.match(s):
        return DateInfo(None, original or None, None, None, "undated", "stated")
    certainty = "stated"
    if s.startswith("[") and s.endswith("]"):
        certainty, s = "inferred", s[1:-1].strip()
    m = _APPROX.match(s)
    if m:
        certainty, s = "approximate", s[m.end() :]
    if s.endswith("?"):
        certainty, s = "inferred", s[:-1].strip()
    suffix = {"stated": "", "inferred": "?", "approximate": "~"}[certainty]
    if _TEXT_ISO.match(s):
        info = from_edtf(s + suffix)
        return DateInfo(
            info.date, original, info.date_earliest, info.date_latest, info.date_precision, certainty
        )
    for pattern in (_TEXT_MDY, _TEXT_DMY):
        m = pattern.match(s)
        if m:
            y = _check_year(m["y"], original)
            mon = _month(m["mon"], original)
            d = int(m["d"])
            _check_ymd(y, mon, d, original)
            start = f"{y:04d}-{mon:02d}-{d:02d}"
            if m["d2"]:
                d2 = int(m["d2"])
                _check_ymd(y, mon, d2, original)
                end = f"{y:04d}-{mon:02d}-{d2:02d}"
                return DateInfo(f"{start}/{end}{suffix}", original, start, end, "range", certainty)
            return DateInfo(start + suffix, original, start, start, "day", certainty)
    m = _TEXT_MY.match(s)
    if m:
        y = _check_year(m["y"], original)
        mon = _month(m["mon"], original)
        last = calendar.monthrange(y, mon)[1]
        return DateInfo(
            f"{y:04d}-{mon:02d}{suffix}",
            original,
            f"{y:04d}-{mon:02d}-01",
            f"{y:04d}-{mon:02d}-{last:02d}",
            "month",
            certainty,
        )
    m = _TEXT_Y.match(s)
    if m:
        y = _check_year(m["y"], original)
        if m["y2"]:
            y2 = _check_year(m["y2"], original)
            if y2 < y:
                raise DateError(f"the range {original!r} ends before it starts")
            return DateInfo(
                f"{y:04d}/{y2:04d}{suffix}", original, f"{y:04d}-01-01", f"{y2:04d}-12-31", "range", certainty
            )
        return DateInfo(f"{y:04d}{suffix}", original, f"{y:04d}-01-01", f"{y:04d}-12-31", "year", certainty)
    raise DateError(
        f"cannot read the date {original!r}: write it like 'October 15, 1968', '1968-10-15', 'October 1968' or '1968'"
    )


def normalize(fields: dict) -> DateInfo:
    """Build a consistent DateInfo from whatever date fields a source gives.

    EDTF (``date``) wins when present; otherwise ``date_text`` is read. Explicit ``date_earliest``/``date_latest``
    (as TEI gives in ``notBefore``/``notAfter``) override the bounds and make the precision a range unless equal.
    """
    edtf_value = (fields.get("date") or "").strip()
    text = fields.get("date_text")
    text = " ".join(text.split()) if isinstance(text, str) and text.strip() else None
    if edtf_value:
        info = from_edtf(edtf_value, text)
    elif text:
        info = from_text(text)
    else:
        info = UNDATED
    earliest, latest = fields.get("date_earliest"), fields.get("date_latest")
    if earliest or latest:
        e = _bounds(earliest, earliest)[0] if earliest else None
        lt = _bounds(latest, latest)[1] if latest else None
        if info.date is None:
            e = e or lt
            lt = lt or e
            assert e is not None and lt is not None  # one bound at least was given: it stands for both
            if e > lt:
                raise DateError(f"the range {earliest!r} to {latest!r} ends before it starts")
            edtf = e if e == lt else f"{e}/{lt}"
            info = DateInfo(edtf, text, e, lt, "range" if e != lt else _bounds(e, e)[2], info.date_certainty)
    certainty = fields.get("date_certainty") or info.date_certainty
    if certainty not in CERTAINTIES:
        raise DateError(f"unknown date certainty {certainty!r}: use one of {', '.join(CERTAINTIES)}")
    return DateInfo(
        info.date, info.date_text, info.date_earliest, info.date_latest, info.date_precision, certainty
    )
