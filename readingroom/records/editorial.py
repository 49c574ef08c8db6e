"""The record editor's forms: every field of a record document (docs/record-schema.md) as form fields and
formsets, and the two conversions between them, document -> initial values and submitted values -> document.

The form never validates a record itself: `document_from_forms` builds a raw document, the schema
(`normalize_record`, through the store) validates it, and `place_error` puts the schema's message under the
field it names. What the form does not show (a reference's role or source ids, the rights' other keys) is
carried over from the stored document, so an edit never loses it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.urls import reverse

from . import dates
from .models import Authority, Record, RecordLink, Redirect
from .schema import RecordError
from .vocabulary import AGENT_KINDS, DEFAULT_RELATION_TYPE, RELATION_TYPES, TEXT_KINDS

NOT_EDITED = ("id", "status", "date_earliest", "date_latest", "date_precision", "date_certainty", "withheld")
"""Fields of a document the form does not set itself (the id is fixed, the status has its buttons, the date's
bounds follow from the date)."""


@dataclass(frozen=True)
class AuthorityField:
    """A record field holding authority references, as the editor shows it."""

    name: str
    kinds: tuple[str, ...]  # what the autocomplete offers; the first is the kind of a new name
    label: str
    multiple: bool = True
    help: str = ""


AUTHORITY_FIELDS = (
    AuthorityField("creators", AGENT_KINDS, "Creators", help="Who wrote or issued it."),
    AuthorityField("recipients", AGENT_KINDS, "Recipients", help="To whom."),
    AuthorityField("contributors", AGENT_KINDS, "Contributors", help="Translators, editors, others."),
    AuthorityField("persons", ("person",), "People mentioned"),
    AuthorityField("places", ("place",), "Places"),
    AuthorityField("subjects", ("subject",), "Subjects"),
    AuthorityField("collections", ("collection",), "Collections", help="Collections the record belongs to."),
    AuthorityField("funders", ("funder",), "Funders"),
    AuthorityField(
        "repository", ("repository",), "Repository", multiple=False, help="The archive holding the original."
    ),
)


def _autocomplete_url(kinds: tuple[str, ...]) -> str:
    return f"{reverse('admin:autocomplete')}?kind={','.join(kinds)}"


class KindAutocomplete(AutocompleteSelect):
    """Django admin's autocomplete of authorities, offering only the given kinds (AuthorityAdmin reads `kind`)."""

    def __init__(self, kinds: tuple[str, ...], attrs=None):
        super().__init__(RecordLink._meta.get_field("authority"), admin.site, attrs)
        self.kinds = kinds

    def get_url(self) -> str:
        return _autocomplete_url(self.kinds)


class KindAutocompleteMultiple(AutocompleteSelectMultiple):
    def __init__(self, kinds: tuple[str, ...], attrs=None):
        super().__init__(RecordLink._meta.get_field("authority"), admin.site, attrs)
        self.kinds = kinds

    def get_url(self) -> str:
        return _autocomplete_url(self.kinds)

    def optgroups(self, name, value, attr=None):
        """The chosen options in the order of the document (a browser sends them back in this order)."""
        order = {str(v): i for i, v in enumerate(value)}
        groups = super().optgroups(name, value, attr)
        for _group, options, _index in groups:
            options.sort(key=lambda o: order.get(str(o["value"]), len(order)))
        return groups


class OrderedAuthorities(forms.ModelMultipleChoiceField):
    """Chosen authorities in the order they were chosen (the order the document keeps)."""

    def clean(self, value):
        chosen = {str(a.pk): a for a in super().clean(value)}
        return [chosen[str(v)] for v in (value or []) if str(v) in chosen]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _wide(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})


class RecordEditForm(forms.Form):
    """The record's own fields. Authority fields are added per AUTHORITY_FIELDS in __init__."""

    id = forms.CharField(
        max_length=250,
        help_text="The record's permanent identifier and URL (/records/<id>/): letters, digits, . _ : - and / "
        "between parts. It cannot change later.",
    )
    title = forms.CharField(widget=_wide(2))
    number = forms.CharField(required=False, help_text="The document's number in its series.")
    date_text = forms.CharField(
        required=False,
        label="Date as written",
        help_text="As the document writes it: “October 15, 1968”, “ca. 1968”, “[1968]”, “undated”.",
        widget=forms.TextInput(attrs={"class": "vTextField", "data-date-input": "text"}),
    )
    date = forms.CharField(
        required=False,
        label="Date (EDTF)",
        help_text="Only when the text cannot say it: 1968-10-15, 1984-07, 1968~, 1968-10-15/1968-10-20.",
        widget=forms.TextInput(attrs={"data-date-input": "edtf"}),
    )
    summary = forms.CharField(required=False, widget=_wide(4))
    document_types = forms.CharField(
        required=False, widget=_wide(2), help_text="One a line: Telegram, Memorandum of Conversation…"
    )
    classification = forms.CharField(
        required=False, widget=_wide(2), help_text="Markings as written, one a line: Secret, Immediate…"
    )
    languages = forms.CharField(
        required=False,
        help_text="Languages of the original, ISO 639-2/B codes separated by commas: eng, vie, rus.",
    )
    dateline_place = forms.CharField(required=False, label="Dateline place")
    signature = forms.CharField(required=False, widget=_wide(2))
    source_description = forms.CharField(required=False, label="Source note", widget=_wide(3))
    archival_reference = forms.CharField(
        required=False,
        widget=_wide(3),
        help_text="“key: value” a line (fond: 5, box: 12); a line without a key is the reference as written.",
    )
    funder_credit = forms.CharField(required=False, label="Funder credit line")
    publisher = forms.CharField(required=False)
    original_uploaded = forms.CharField(
        required=False, help_text="When the source first put it online: YYYY-MM-DD."
    )
    rights_statement = forms.CharField(required=False, label="Rights statement", widget=_wide(3))
    rights_uri = forms.CharField(
        required=False, label="Rights URI", help_text="e.g. http://rightsstatements.org/vocab/InC-EDU/1.0/"
    )
    source = forms.CharField(
        required=False, widget=_wide(3), help_text="Where the record was imported from, as JSON (kept as is)."
    )
    extra = forms.CharField(
        required=False,
        widget=_wide(3),
        help_text="Source-specific values without a field of their own, as JSON.",
    )
    embargo_until = forms.DateField(
        required=False,
        label="Embargo until",
        help_text="A published record stays hidden until this day (YYYY-MM-DD). Editors only.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        required=False,
        widget=_wide(2),
        help_text="Why you change it. Required once a record is published: readers see it as a correction.",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for withdrawal",
        widget=_wide(2),
        help_text="Required to withdraw: shown on the record's tombstone page.",
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in AUTHORITY_FIELDS:
            queryset = Authority.objects.filter(kind__in=spec.kinds)
            if spec.multiple:
                self.fields[spec.name] = OrderedAuthorities(
                    queryset,
                    required=False,
                    label=spec.label,
                    help_text=spec.help,
                    widget=KindAutocompleteMultiple(spec.kinds),
                )
                self.fields[f"{spec.name}_new"] = forms.CharField(
                    required=False,
                    label="New",
                    widget=forms.Textarea(attrs={"rows": 1}),
                    help_text=f"Names not in the list yet, one a line (each becomes a new {spec.kinds[0]}).",
                )
            else:
                self.fields[spec.name] = forms.ModelChoiceField(
                    queryset,
                    required=False,
                    label=spec.label,
                    help_text=spec.help,
                    widget=KindAutocomplete(spec.kinds),
                )
                self.fields[f"{spec.name}_new"] = forms.CharField(
                    required=False, label="New", help_text="A name not in the list yet."
                )
        if editing:
            self.fields["id"].disabled = True

    def clean_source(self):
        return _json_object(self.cleaned_data["source"], "source")

    def clean_extra(self):
        return _json_object(self.cleaned_data["extra"], "extra")


def _json_object(text: str, name: str) -> dict:
    if not (text or "").strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise forms.ValidationError(
            f'This is not JSON ({e.msg} at line {e.lineno}): write an object, {{"key": "value"}}.'
        ) from None
    if not isinstance(value, dict):
        raise forms.ValidationError(f'Write the {name} as a JSON object, {{"key": "value"}}.')
    return value


class TextForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in TEXT_KINDS], initial="transcription")
    language = forms.CharField(
        required=False,
        max_length=3,
        help_text="ISO 639-2/B: eng, vie…",
        widget=forms.TextInput(attrs={"size": 4}),
    )
    label = forms.CharField(required=False)
    translator = forms.ModelChoiceField(
        Authority.objects.filter(kind="person"), required=False, widget=KindAutocomplete(("person",))
    )
    translator_new = forms.CharField(
        required=False, label="New translator", help_text="A name not in the list yet."
    )
    rights = forms.CharField(required=False)
    html = forms.CharField(
        label="Text (HTML)",
        widget=forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        help_text='Paragraphs in <p>; footnote marks as <a class="note-ref" href="#n1">1</a>. Unsafe markup is removed.',
    )


class NoteForm(forms.Form):
    id = forms.CharField(
        required=False,
        help_text="The anchor texts link to (n1, n2…).",
        widget=forms.TextInput(attrs={"size": 6}),
    )
    n = forms.CharField(required=False, label="Mark", widget=forms.TextInput(attrs={"size": 4}))
    type = forms.CharField(required=False)
    html = forms.CharField(
        label="Note (HTML)", widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})
    )


class MediaForm(forms.Form):
    url = forms.CharField(required=False, label="URL", help_text="An http(s) address…")
    path = forms.CharField(required=False, help_text="…or a path inside the archive's media folder.")
    label = forms.CharField(required=False)
    mime_type = forms.CharField(required=False, label="Type", help_text="image/jpeg, application/pdf…")
    sha256 = forms.CharField(required=False, label="SHA-256")
    size = forms.IntegerField(required=False, min_value=0, help_text="Bytes.")


class RelationForm(forms.Form):
    type = forms.ChoiceField(choices=[(t, t) for t in RELATION_TYPES], initial=DEFAULT_RELATION_TYPE)
    target = forms.CharField(help_text="The other record's id.")
    label = forms.CharField(required=False)
    external = forms.BooleanField(
        required=False, label="Not in this archive", help_text="Allow an id this archive does not hold (yet)."
    )

    def clean(self):
        cleaned = super().clean() or {}
        target = (cleaned.get("target") or "").strip()
        if target and not cleaned.get("external"):
            if not (
                Record.objects.filter(pk=target).exists() or Redirect.objects.filter(old_id=target).exists()
            ):
                self.add_error(
                    "target",
                    f"There is no record {target!r} in this archive: correct the id, or tick "
                    "“Not in this archive” to link to it anyway.",
                )
        return cleaned


FORMSETS: dict[str, Any] = {
    "texts": forms.formset_factory(TextForm, extra=1, can_delete=True),
    "notes": forms.formset_factory(NoteForm, extra=1, can_delete=True),
    "media": forms.formset_factory(MediaForm, extra=1, can_delete=True),
    "relations": forms.formset_factory(RelationForm, extra=1, can_delete=True),
}


# -- document -> forms ---------------------------------------------------------------------------------------------


def _authority(ref: dict | None) -> Authority | None:
    if not ref:
        return None
    return Authority.objects.filter(kind=ref["kind"], key=ref["id"]).first()


def initial_from_document(doc: dict) -> tuple[dict, dict[str, list[dict]]]:
    """The form's and the formsets' initial values for a canonical document."""
    initial: dict[str, Any] = {
        "id": doc["id"],
        "title": doc["title"],
        "number": doc.get("number") or "",
        "date_text": doc.get("date_text") or "",
        # The EDTF is shown only when the text alone would not give it.
        "date": doc.get("date")
        if doc.get("date") and _edtf_of(doc.get("date_text")) != doc.get("date")
        else "",
        "summary": doc.get("summary") or "",
        "document_types": "\n".join(doc.get("document_types") or []),
        "classification": "\n".join(doc.get("classification") or []),
        "languages": ", ".join(doc.get("languages") or []),
        "dateline_place": doc.get("dateline_place") or "",
        "signature": doc.get("signature") or "",
        "source_description": doc.get("source_description") or "",
        "archival_reference": "\n".join(
            v if k == "text" else f"{k}: {v}" for k, v in (doc.get("archival_reference") or {}).items()
        ),
        "funder_credit": doc.get("funder_credit") or "",
        "publisher": doc.get("publisher") or "",
        "original_uploaded": doc.get("original_uploaded") or "",
        "rights_statement": (doc.get("rights") or {}).get("statement") or "",
        "rights_uri": (doc.get("rights") or {}).get("uri") or "",
        "source": json.dumps(doc["source"], ensure_ascii=False, indent=2) if doc.get("source") else "",
        "extra": json.dumps(doc["extra"], ensure_ascii=False, indent=2) if doc.get("extra") else "",
        "embargo_until": doc.get("embargo_until") or None,
    }
    for spec in AUTHORITY_FIELDS:
        if spec.multiple:
            found = [_authority(ref) for ref in doc.get(spec.name) or []]
            initial[spec.name] = [a.pk for a in found if a is not None]
            initial[f"{spec.name}_new"] = "\n".join(
                ref["name"] for ref, a in zip(doc.get(spec.name) or [], found, strict=True) if a is None
            )
        else:
            a = _authority(doc.get(spec.name))
            initial[spec.name] = a.pk if a else None
            initial[f"{spec.name}_new"] = doc[spec.name]["name"] if doc.get(spec.name) and a is None else ""
    sets = {
        "texts": [_text_initial(t) for t in doc.get("texts") or []],
        "notes": [{k: n.get(k) or "" for k in ("id", "n", "type", "html")} for n in doc.get("notes") or []],
        "media": [
            {
                k: m.get(k) if m.get(k) is not None else ""
                for k in ("url", "path", "label", "mime_type", "sha256", "size")
            }
            for m in doc.get("media") or []
        ],
        "relations": _relations_initial(doc.get("relations") or []),
    }
    return initial, sets


def _edtf_of(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return dates.from_text(text).date
    except dates.DateError:
        return None


def _text_initial(text: dict) -> dict:
    translator = _authority(text.get("translator"))
    return {
        "kind": text["kind"],
        "language": text.get("language") or "",
        "label": text.get("label") or "",
        "translator": translator.pk if translator else None,
        "translator_new": text["translator"]["name"] if text.get("translator") and translator is None else "",
        "rights": text.get("rights") or "",
        "html": text.get("html") or "",
    }


def _relations_initial(relations: list[dict]) -> list[dict]:
    held = set(Record.objects.filter(pk__in=[r["target"] for r in relations]).values_list("pk", flat=True))
    held |= set(
        Redirect.objects.filter(old_id__in=[r["target"] for r in relations]).values_list("old_id", flat=True)
    )
    return [
        {
            "type": r["type"],
            "target": r["target"],
            "label": r.get("label") or "",
            "external": r["target"] not in held,
        }
        for r in relations
    ]


def initial_from_post(data, more: str) -> tuple[dict, dict[str, list[dict]]]:
    """The submitted values as the initial values of the same form, with one empty row more in the formset
    `more` (rows ticked for deletion are dropped): adding a row needs no JavaScript and checks nothing yet."""
    form = RecordEditForm(editing=False)
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelMultipleChoiceField):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    sets: dict[str, list[dict]] = {}
    for prefix, factory in FORMSETS.items():
        fields = list(factory.form.base_fields)
        try:
            total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 1000)
        except ValueError:
            total = 0
        rows = []
        for i in range(total):
            row = {f: data.get(f"{prefix}-{i}-{f}") for f in fields if f"{prefix}-{i}-{f}" in data}
            if data.get(f"{prefix}-{i}-DELETE") or not any(
                v for k, v in row.items() if k not in ("kind", "type")
            ):
                continue
            row["external"] = bool(row.get("external"))
            rows.append(row)
        sets[prefix] = rows + ([{}] if prefix == more else [])
    return initial, sets


# -- forms -> document ---------------------------------------------------------------------------------------------


def _ref(authority: Authority, previous: dict[tuple[str, str], dict]) -> dict:
    """A reference to a chosen authority: the stored one when the document had it (its role and source ids
    stay), else a new one naming the authority and its parent."""
    kept = previous.get((authority.kind, authority.key))
    if kept is not None:
        return kept
    ref = {"kind": authority.kind, "id": authority.key, "name": authority.name}
    if authority.parent_id:
        parent = Authority.objects.filter(pk=authority.parent_id).values_list("key", flat=True).first()
        if parent:
            ref["parent"] = parent
    return ref


def _previous_refs(doc: dict, *, translators: bool = False) -> dict[tuple[str, str], dict]:
    """The document's references by (kind, key): its translators' (as texts give them), or the others'."""
    found: dict[tuple[str, str], dict] = {}
    for spec in () if translators else AUTHORITY_FIELDS:
        value = doc.get(spec.name)
        for ref in value if isinstance(value, list) else [value] if value else []:
            found.setdefault((ref["kind"], ref["id"]), ref)
    for text in doc.get("texts") or [] if translators else []:
        if text.get("translator"):
            found.setdefault((text["translator"]["kind"], text["translator"]["id"]), text["translator"])
    return found


def document_from_forms(form: RecordEditForm, formsets: dict, stored: dict | None) -> dict:
    """The raw document the editor submitted (to be validated by the schema), on top of the stored one."""
    data = form.cleaned_data
    doc: dict[str, Any] = dict(stored or {})
    previous = _previous_refs(doc)
    doc.update(
        id=stored["id"] if stored else data["id"].strip(),
        title=data["title"],
        number=data["number"],
        date_text=data["date_text"],
        date=data["date"],
        date_earliest=None,
        date_latest=None,
        date_precision=None,
        date_certainty=None,
        summary=data["summary"],
        document_types=_lines(data["document_types"]),
        classification=_lines(data["classification"]),
        languages=[c.strip() for c in re.split(r"[,\s]+", data["languages"] or "") if c.strip()],
        dateline_place=data["dateline_place"],
        signature=data["signature"],
        source_description=data["source_description"],
        archival_reference=_key_values(data["archival_reference"]),
        funder_credit=data["funder_credit"],
        publisher=data["publisher"],
        original_uploaded=data["original_uploaded"],
        source=data["source"],
        extra=data["extra"],
    )
    rights = {k: v for k, v in (doc.get("rights") or {}).items() if k not in ("statement", "uri")}
    doc["rights"] = {**rights, "statement": data["rights_statement"], "uri": data["rights_uri"]}
    for spec in AUTHORITY_FIELDS:
        new_kind = spec.kinds[0]
        if spec.multiple:
            refs = [_ref(a, previous) for a in data[spec.name]]
            refs += [{"kind": new_kind, "name": name} for name in _lines(data[f"{spec.name}_new"])]
            doc[spec.name] = refs
        else:
            chosen = data[spec.name]
            new = (data[f"{spec.name}_new"] or "").strip()
            doc[spec.name] = (
                _ref(chosen, previous) if chosen else ({"kind": new_kind, "name": new} if new else None)
            )
    translators = _previous_refs(doc, translators=True)
    doc["texts"] = [_text_entry(f.cleaned_data, translators) for f in _kept(formsets["texts"])]
    doc["notes"] = [
        {k: f.cleaned_data.get(k) or None for k in ("id", "n", "type", "html")}
        for f in _kept(formsets["notes"])
    ]
    doc["media"] = [
        {
            k: f.cleaned_data.get(k) if f.cleaned_data.get(k) not in ("",) else None
            for k in ("url", "path", "label", "mime_type", "sha256", "size")
        }
        for f in _kept(formsets["media"])
    ]
    doc["relations"] = [
        {
            "type": f.cleaned_data["type"],
            "target": f.cleaned_data["target"].strip(),
            "label": f.cleaned_data.get("label"),
        }
        for f in _kept(formsets["relations"])
    ]
    return doc


def _kept(formset) -> list:
    """The formset's filled forms, in order, without the ones marked for deletion."""
    return [
        f for f in formset.forms if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def _text_entry(data: dict, previous: dict) -> dict:
    translator = data.get("translator")
    new = (data.get("translator_new") or "").strip()
    return {
        "kind": data["kind"],
        "language": data.get("language") or None,
        "label": data.get("label") or None,
        "translator": _ref(translator, previous)
        if translator
        else ({"kind": "person", "name": new} if new else None),
        "rights": data.get("rights") or None,
        "html": data["html"],
    }


def _key_values(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _lines(text):
        key, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", key.strip()) and value.strip():
            out[key.strip().replace(" ", "_").lower()] = value.strip()
        else:
            out["text"] = f"{out['text']}; {line}" if "text" in out else line
    return out


# -- errors --------------------------------------------------------------------------------------------------------

_FORMSET_FIELD = re.compile(r"^(texts|notes|media|relations)\[(\d+)\](?:\.(\w+))?")
_REF_FIELD = re.compile(r"^(" + "|".join(s.name for s in AUTHORITY_FIELDS) + r")(?:\[\d+\])?")
_FIELD_FOR = {
    "date": "date_text",
    "date_earliest": "date_text",
    "date_latest": "date_text",
    "date_certainty": "date_text",
    "rights": "rights_uri",
    "archival_reference": "archival_reference",
}


def place_error(error: RecordError, form: RecordEditForm, formsets: dict) -> None:
    """Put the schema's message under the field it names (texts[1].language -> the second text's language)."""
    field = error.field
    m = _FORMSET_FIELD.match(field)
    if m:
        kept = _kept(formsets[m[1]])
        index = int(m[2])
        if index < len(kept):
            target = kept[index]
            name = m[3] if m[3] in target.fields else None
            if m[3] == "body":
                name = "html"
            target.add_error(name, error.message)
            return
    m = _REF_FIELD.match(field)
    if m:
        form.add_error(m[1], f"{field}: {error.message}")
        return
    if field.startswith("rights"):
        form.add_error("rights_uri" if "uri" in field else "rights_statement", error.message)
        return
    name = _FIELD_FOR.get(field, field)
    if name == "date_text" and form.cleaned_data.get("date") and not field.startswith("date_text"):
        name = "date"
    if name in form.fields:
        form.add_error(name, error.message)
    else:
        form.add_error(None, f"{field}: {error.message}")


# -- dates, as the editor types them -------------------------------------------------------------------------------


def normalized_date(date_text: str | None, edtf: str | None) -> dict:
    """What the schema makes of a date as written (and an EDTF, which wins): the JSON the editor's date field
    shows live (editorial.js), and the form shows after a preview or a refused save."""
    try:
        info = dates.normalize({"date": edtf or None, "date_text": date_text or None})
    except dates.DateError as e:
        return {"ok": False, "error": str(e)}
    return {
        "ok": True,
        "edtf": info.date,
        "earliest": info.date_earliest,
        "latest": info.date_latest,
        "precision": info.date_precision,
        "certainty": info.date_certainty,
    }
