"""Reading a record's revisions (models.Revision, written by the store): its history, the document as of any
revision, a diff by field between two revisions, and the public list of corrections with "last revised".

A revision's document is kept only once a newer one replaces it: the latest revision's is the record's own
(store.keep_documents). A "deleted" or "merged" revision that ended a record has none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q

from .errors import NotFound
from .models import Record, Revision
from .schema import TIMESTAMP_FIELDS, normalize_record
from .store import LINK_FIELDS
from .texts import html_to_plain
from .vocabulary import PUBLISHED

__all__ = [
    "CORRECTION_ACTIONS",
    "Correction",
    "FieldChange",
    "corrections",
    "diff",
    "diff_documents",
    "document_at",
    "history",
    "last_revised",
]

# The revisions readers see listed as corrections: changes of what the record says. Status changes (withdrawing,
# publishing, an embargo's end) are not corrections of the document.
CORRECTION_ACTIONS = ("updated", "imported", "reverted", "merged")
IMPORTED_NOTE = "Updated from its source."

LABELS = {
    "title": "Title",
    "number": "Number",
    "summary": "Summary",
    "date": "Date (EDTF)",
    "date_text": "Date as written",
    "texts": "Texts",
    "notes": "Notes",
    "embargo_until": "Embargo until",
    "status": "Status",
    "document_types": "Document types",
    "classification": "Classification",
    "languages": "Languages",
}
AUTHORITY_FIELDS = {name for name, _role in LINK_FIELDS}
# Derived by the schema (from `date`; `withheld` from the texts): a change shows once, as the date or the text.
DERIVED = {"date_earliest", "date_latest", "date_precision", "date_certainty", "withheld"}


def history(record_id: str) -> list[Revision]:
    """The record's revisions, newest first (they outlive the record: a deleted record's history stays),
    without their documents; `kept` says whether one has its document stored."""
    return list(
        Revision.objects.filter(record_id=record_id)
        .defer("document")
        .annotate(kept=ExpressionWrapper(Q(document__isnull=False), output_field=BooleanField()))
        .order_by("-number")
    )


def document_at(record_id: str, number: int) -> dict:
    """The record's canonical document as of revision `number`. NotFound when there is no such revision, or
    when it ended the record (deleted, merged away) and so has no document."""
    revision = Revision.objects.filter(record_id=record_id, number=number).first()
    if revision is None:
        raise NotFound(f"no revision {number} of {record_id!r}")
    doc = revision.document
    if doc is None:
        doc = Record.objects.filter(pk=record_id, revision=number).values_list("document", flat=True).first()
    if doc is None:
        raise NotFound(f"revision {number} of {record_id!r} {revision.action} the record: it has no document")
    return normalize_record(doc)


@dataclass
class FieldChange:
    """One field that differs between two revisions. `kind` says how to show it: "value" (old and new as
    text), "list" (what was removed and added), "text" (one text's metadata and a line diff of its words)."""

    field: str
    label: str
    kind: str
    old: str = ""
    new: str = ""
    removed: list[str] = dataclasses.field(default_factory=list)
    added: list[str] = dataclasses.field(default_factory=list)
    # ("-" | "+" | " ", line): a unified diff of the plain text, a line of context around each change
    lines: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def diff(record_id: str, a: int, b: int) -> list[FieldChange]:
    """What changed from revision `a` to revision `b` of a record, field by field."""
    return diff_documents(document_at(record_id, a), document_at(record_id, b))


def diff_documents(old: dict, new: dict) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key in TIMESTAMP_FIELDS or key in DERIVED or old.get(key) == new.get(key):
            continue
        a, b = old.get(key), new.get(key)
        label = LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "texts":
            changes.extend(_texts(a or [], b or []))
        elif key == "notes":
            changes.append(_text_change(key, label, _plain_notes(a or []), _plain_notes(b or []), "", ""))
        elif key in AUTHORITY_FIELDS:
            changes.append(_list_change(key, label, [_ref(r) for r in a or []], [_ref(r) for r in b or []]))
        elif key == "repository":
            changes.append(FieldChange(key, label, "value", _ref(a) if a else "", _ref(b) if b else ""))
        elif isinstance(a, list) or isinstance(b, list):
            changes.append(_list_change(key, label, [_show(x) for x in a or []], [_show(x) for x in b or []]))
        else:
            changes.append(FieldChange(key, label, "value", _show(a), _show(b)))
    return changes


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _ref(ref: dict) -> str:
    role = f", {ref['role']}" if ref.get("role") else ""
    return f"{ref.get('name')} ({ref.get('kind')} {ref.get('id')}{role})"


def _list_change(key: str, label: str, a: list[str], b: list[str]) -> FieldChange:
    removed = [x for x in a if x not in b]
    added = [x for x in b if x not in a]
    change = FieldChange(key, label, "list", removed=removed, added=added)
    if not removed and not added:  # the same values in another order
        change.kind, change.old, change.new = "value", "; ".join(a), "; ".join(b)
    return change


def _plain_notes(notes: list[dict]) -> str:
    return "\n".join(
        f"[{n.get('n') or n.get('id') or ''}] {html_to_plain(n.get('html') or '')}" for n in notes
    )


def _text_label(text: dict, i: int) -> str:
    parts = [text.get("label") or text.get("kind") or "text"]
    if text.get("language"):
        parts.append(text["language"])
    return f"Text {i + 1} ({', '.join(parts)})"


def _text_meta(text: dict | None) -> str:
    if not text:
        return ""
    translator = (text.get("translator") or {}).get("name")
    meta = {k: text.get(k) for k in ("kind", "language", "label") if text.get(k)}
    if translator:
        meta["translator"] = translator
    return ", ".join(f"{k}: {v}" for k, v in meta.items())


def _texts(a: list[dict], b: list[dict]) -> list[FieldChange]:
    """Texts are paired by position (a record's texts keep their order: the original first)."""
    changes = []
    for i in range(max(len(a), len(b))):
        old = a[i] if i < len(a) else None
        new = b[i] if i < len(b) else None
        if old == new:
            continue
        label = _text_label(new or old or {}, i)
        changes.append(
            _text_change(
                f"texts[{i}]",
                label,
                html_to_plain(old["html"]) if old else "",
                html_to_plain(new["html"]) if new else "",
                _text_meta(old),
                _text_meta(new),
            )
        )
    return changes


def _text_change(key: str, label: str, old: str, new: str, old_meta: str, new_meta: str) -> FieldChange:
    change = FieldChange(key, label, "text", old_meta, new_meta)
    lines = difflib.unified_diff(_lines(old), _lines(new), lineterm="", n=1)
    for line in lines:
        if line.startswith(("---", "+++", "@@")):
            if line.startswith("@@") and change.lines:
                change.lines.append((" ", "…"))
            continue
        change.lines.append((line[:1], line[1:]))
    return change


def _lines(text: str) -> list[str]:
    """Paragraphs, and long ones cut at sentence ends: a corrected word shows in its sentence, not its page."""
    out: list[str] = []
    for para in text.splitlines():
        para = para.strip()
        if not para:
            continue
        start = 0
        for i, ch in enumerate(para):
            if ch in ".!?" and i + 1 < len(para) and para[i + 1] == " " and i - start > 60:
                out.append(para[start : i + 1])
                start = i + 2
        out.append(para[start:])
    return out


# -- the public side: corrections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    time: dt.datetime
    note: str
    number: int


def corrections(record: Record) -> list[Correction]:
    """The corrections of a published record, newest first: the revisions that changed its document after it
    was first published (its drafts' history is nobody's business but its editors')."""
    if record.status != PUBLISHED or record.first_published is None:
        return []
    revisions = list(
        Revision.objects.filter(record_id=record.pk)
        .order_by("number")
        .values_list("number", "time", "action", "note")
    )
    published_in = next((n for n, time, _, _ in revisions if time >= record.first_published), None)
    if published_in is None:
        return []
    return [
        # An import's note names the file it came from, which is the archive's business, not the reader's.
        Correction(time, IMPORTED_NOTE if action == "imported" else note, number)
        for number, time, action, note in reversed(revisions)
        if number > published_in and action in CORRECTION_ACTIONS
    ]


def last_revised(record: Record) -> dt.datetime | None:
    """The time of the record's latest correction, or None."""
    found = corrections(record)
    return found[0].time if found else None
