"""The editorial interface: Django's admin reshaped for archivists, on the one write path (records/store.py).

Why the admin rather than forms of our own: it gives logins, permissions, the change lists with search and
filters, and the autocomplete of authorities, all tested by Django; what archivists lacked was a record form
they could read. So the record's add and change pages are our own editor (records/editorial.py: every field
of the document, texts, notes, files and relations as formsets, authorities by autocomplete), with
buttons for the record's states, a preview of the public page, and a conflict page when two editors save the
same record. Everything else (lists, history, delete, autocomplete) stays the admin's. The authorities' admin
is records/admin_authorities.py.

Who may do what (docs/editing.md): a contributor (records.add_record, records.change_record) creates and edits
drafts and records in review, and sends drafts to review; an editor (also records.publish_record) publishes,
withdraws (with a reason), returns to draft, sets embargoes, and edits published records (with a note).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from . import (
    admin_authorities,  # noqa: F401  (registers the authorities' and redirects' admin)
    editorial,
    revisions,
)
from .admin_revisions import RevisionAdminMixin
from .errors import Conflict, EditConflict, NotFound
from .models import Record
from .preview import preview_context
from .schema import TIMESTAMP_FIELDS, RecordError, normalize_record
from .vocabulary import PUBLISHED, STATUSES, WITHDRAWN

PUBLISH_PERMISSION = "records.publish_record"
DRAFT, IN_REVIEW = STATUSES[0], STATUSES[1]
UNPUBLISHED = (DRAFT, IN_REVIEW)  # what contributors may edit


def _store(request):
    return request.archive.store


def save_document(request, doc: dict, *, note: str = "", base_revision: int | None = None):
    """The one place the editor writes a record's content: who saves, why, and from which revision."""
    return _store(request).save(doc, actor=request.user, note=note, base_revision=base_revision)


# -- what a user may do to a record ----------------------------------------------------------------------------


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def can_edit(user, record: Record | None) -> bool:
    """Contributors edit drafts and records in review; published and withdrawn ones are the editors'."""
    if record is None:
        return user.has_perm("records.add_record")
    if not user.has_perm("records.change_record"):
        return False
    return record.status in UNPUBLISHED or can_publish(user)


# Buttons of the editor: the status each leads to, the statuses it may leave, whether it needs publishing rights.
TRANSITIONS = {
    "review": (IN_REVIEW, (DRAFT,), False, "Send to review"),
    "draft": (DRAFT, (IN_REVIEW, WITHDRAWN), False, "Return to draft"),
    "publish": (PUBLISHED, (*UNPUBLISHED, WITHDRAWN), True, "Publish"),
    "withdraw": (WITHDRAWN, (PUBLISHED,), True, "Withdraw"),
}


def allowed_transitions(user, status: str) -> list[tuple[str, str]]:
    """(button name, label) of the state changes this user may make from this status."""
    out = []
    for name, (_target, sources, needs_publish, label) in TRANSITIONS.items():
        if status not in sources or (needs_publish and not can_publish(user)):
            continue
        if name == "draft" and status == WITHDRAWN and not can_publish(user):
            continue
        out.append((name, label))
    return out


def _refusal(action: str, status: str) -> str:
    _target, sources, _needs, label = TRANSITIONS[action]
    if status not in sources:
        names = " or ".join(s.replace("-", " ") for s in sources)
        return f"it is {status.replace('-', ' ')}: only a record {names} {_verb(action)}"
    return f"only editors (records.publish_record) may {label.lower()}"


def _verb(action: str) -> str:
    return {
        "review": "is sent to review",
        "draft": "returns to draft",
        "publish": "is published",
        "withdraw": "is withdrawn (in its form, with a reason)",
    }[action]


@admin.register(Record)
class RecordAdmin(RevisionAdminMixin, admin.ModelAdmin):
    list_display = ("id", "title", "date_text", "status", "embargo_until", "revision", "updated")
    list_filter = ("status", "date_precision", "date_certainty")
    search_fields = ("id", "title")
    actions = ["publish", "send_to_review", "make_draft"]

    # -- permissions -------------------------------------------------------------------------------------------
    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or obj.status in UNPUBLISHED or can_publish(request.user)

    # -- urls ----------------------------------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        # Record ids begin with a letter or digit, so "_date/" is never a record's.
        return [
            path("_date/", wrap(self.date_view), name="records_record_date"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name="records_record_preview"),
            path("<path:object_id>/json/", wrap(self.json_view), name="records_record_json"),
            *super().get_urls(),
        ]

    def date_view(self, request):
        """JSON: what the schema makes of a date as written (editorial.js shows it beside the date field)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        result = editorial.normalized_date(
            request.GET.get("text", "")[:500], request.GET.get("edtf", "")[:100]
        )
        response = JsonResponse(result)
        add_never_cache_headers(response)
        return response

    # -- the editor ---------------------------------------------------------------------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.editor_view(request, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = Record.objects.filter(pk=unquote(object_id)).first()
        if record is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        return self.editor_view(request, record)

    def editor_view(self, request, record: Record | None):
        user = request.user
        editable = can_edit(user, record)
        stored = normalize_record(record.document) if record else None
        status = record.status if record else DRAFT
        if request.method == "POST" and not editable:
            raise PermissionDenied("Only editors change published and withdrawn records.")
        more = next((k[len("_more_") :] for k in request.POST if k.startswith("_more_")), None)
        if request.method == "POST" and more in editorial.FORMSETS:
            # "Add a text" (a file, a note, a relation): the same form, one empty row more, nothing checked yet.
            initial, sets = editorial.initial_from_post(request.POST, more)
            form = editorial.RecordEditForm(initial=initial, editing=record is not None)
            formsets = {
                name: factory(initial=sets[name], prefix=name) for name, factory in editorial.FORMSETS.items()
            }
            if not can_publish(user):
                form.fields["embargo_until"].disabled = True
            return self._render_editor(request, record, status, form, formsets, editable)
        if request.method == "POST":
            form = editorial.RecordEditForm(
                request.POST, initial={"id": record.pk if record else ""}, editing=record is not None
            )
            formsets = {
                name: factory(request.POST, prefix=name) for name, factory in editorial.FORMSETS.items()
            }
        else:
            initial, sets = editorial.initial_from_document(stored) if stored else ({}, {})
            if record:
                initial["base_revision"] = record.revision
            form = editorial.RecordEditForm(initial=initial, editing=record is not None)
            formsets = {
                name: factory(initial=sets.get(name), prefix=name)
                for name, factory in editorial.FORMSETS.items()
            }
        if not can_publish(user):
            form.fields["embargo_until"].disabled = True
        action = next(
            (k[1:] for k in request.POST if k in ("_save", "_preview", *(f"_{t}" for t in TRANSITIONS))),
            "save",
        )
        if request.method == "POST":
            response = self._submit(request, record, stored, status, form, formsets, action)
            if response is not None:
                return response
        return self._render_editor(request, record, status, form, formsets, editable)

    def _submit(self, request, record, stored, status, form, formsets, action):
        """Validate, then preview, or save and change the state; None to show the form again (with errors)."""
        if action in TRANSITIONS and (action, TRANSITIONS[action][3]) not in allowed_transitions(
            request.user, status
        ):
            raise PermissionDenied(f"You may not {TRANSITIONS[action][3].lower()} a record that is {status}.")
        valid = form.is_valid() & all([fs.is_valid() for fs in formsets.values()])
        if not valid:
            return None
        data = form.cleaned_data
        doc = editorial.document_from_forms(form, formsets, stored)
        doc["status"] = status
        embargo = (
            data.get("embargo_until") if can_publish(request.user) else (stored or {}).get("embargo_until")
        )
        doc["embargo_until"] = embargo.isoformat() if isinstance(embargo, dt.date) else embargo
        if record is None and Record.objects.filter(pk=doc["id"]).exists():
            form.add_error(
                "id", f"A record {doc['id']!r} exists already: choose another id, or edit that one."
            )
            return None
        try:
            canonical = normalize_record(doc)
        except RecordError as e:
            editorial.place_error(e, form, formsets)
            return None
        if action == "preview":
            return self._preview(request, canonical)
        target = None
        if action in TRANSITIONS:
            target = TRANSITIONS[action][0]
        note, reason = data.get("note", "").strip(), data.get("reason", "").strip()
        if target == WITHDRAWN and not reason:
            form.add_error(
                "reason", "Say why the record is withdrawn: readers who follow a link to it read it."
            )
            return None
        if target == PUBLISHED and record is not None and record.first_published and not note:
            form.add_error("note", "Say why the record is published again: readers see it as a correction.")
            return None
        try:
            result = save_document(request, doc, note=note, base_revision=data.get("base_revision"))
            if target is not None:
                _store(request).set_status(
                    result.record_id, target, actor=request.user, note=note, reason=reason
                )
        except EditConflict as e:
            return self._conflict(request, record, e, form, formsets)
        except RecordError as e:
            editorial.place_error(e, form, formsets)
            return None
        except (Conflict, NotFound) as e:
            form.add_error(None, str(e))
            return None
        saved = Record.objects.get(pk=result.record_id)
        said = {"created": "was created", "updated": "was saved", "unchanged": "is unchanged"}[result.action]
        if target is not None:
            state = saved.status.replace("-", " ")
            said = f"{said} and is now {state}" if result.action != "unchanged" else f"is now {state}"
        self.message_user(request, f"The record {saved.pk} {said}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:records_record_change", args=(quote(saved.pk),)))

    def _render_editor(self, request, record, status, form, formsets, editable, extra=None):
        data = form.data if form.is_bound else form.initial
        date = editorial.normalized_date(data.get("date_text"), data.get("date"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"Edit {record.pk}" if record else "New record",
            "record": record,
            "status": status,
            "form": form,
            "formsets": formsets,
            "authority_fields": [(form[s.name], form[f"{s.name}_new"]) for s in editorial.AUTHORITY_FIELDS],
            "date": date,
            "error_fields": _error_fields(form, formsets) if form.is_bound else [],
            "editable": editable,
            "can_publish": can_publish(request.user),
            "transitions": allowed_transitions(request.user, status) if editable else [],
            "media": forms.Media(js=["admin/js/jquery.init.js"])
            + form.media
            + formsets["texts"].media
            + forms.Media(js=["records/editorial.js"], css={"all": ["records/editorial.css"]}),
            "preview_url": reverse("admin:records_record_preview", args=(quote(record.pk),))
            if record
            else None,
            "json_url": reverse("admin:records_record_json", args=(quote(record.pk),)) if record else None,
            "history_url": reverse("admin:records_record_history", args=(quote(record.pk),))
            if record
            else None,
            "date_url": reverse("admin:records_record_date"),
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/records/record/editor.html", context)

    # -- preview -------------------------------------------------------------------------------------------------
    def _preview(self, request, doc: dict):
        response = TemplateResponse(
            request, "admin/records/record/preview.html", preview_context(request, doc)
        )
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def preview_view(self, request, object_id):
        """The saved record as its public page would show it, whatever its state (staff only, never cached)."""
        record = get_object_or_404(Record, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        return self._preview(request, normalize_record(record.document))

    # -- conflicts -----------------------------------------------------------------------------------------------
    def _conflict(self, request, record, conflict: EditConflict, form, formsets):
        """Someone saved in between: both versions side by side, and the form again, holding the current version
        with the editor's changes applied on top of it (the fields they changed from the revision they started
        from), based on the current revision: saving it loses neither's work. Fields both changed hold the
        editor's value, and are named, to be checked against theirs."""
        mine = normalize_record(conflict.mine)
        theirs = conflict.theirs
        current = Record.objects.filter(pk=conflict.record_id).first()
        both: list[str] = []
        if theirs is not None and current is not None:
            try:
                base = revisions.document_at(conflict.record_id, conflict.base_revision)
            except NotFound:
                base = theirs  # the revision is gone: every difference counts as the editor's
            merged = dict(theirs)
            for key in mine:
                if key in editorial.NOT_EDITED or key in TIMESTAMP_FIELDS or mine.get(key) == base.get(key):
                    continue
                merged[key] = mine[key]
                if theirs.get(key) != base.get(key) and theirs.get(key) != mine.get(key):
                    both.append(revisions.LABELS.get(key, key.replace("_", " ").capitalize()))
            initial, sets = editorial.initial_from_document(merged)
            initial.update(
                base_revision=conflict.current_revision,
                note=request.POST.get("note", ""),
                reason=request.POST.get("reason", ""),
            )
            form = editorial.RecordEditForm(initial=initial, editing=True)
            formsets = {
                name: factory(initial=sets.get(name), prefix=name)
                for name, factory in editorial.FORMSETS.items()
            }
        else:  # deleted meanwhile: the editor's values, to save as a new record
            data = request.POST.copy()
            data["base_revision"] = str(conflict.current_revision)
            form = editorial.RecordEditForm(
                data, initial={"id": conflict.record_id}, editing=record is not None
            )
            formsets = {name: factory(data, prefix=name) for name, factory in editorial.FORMSETS.items()}
        if not can_publish(request.user):
            form.fields["embargo_until"].disabled = True
        changes = revisions.diff_documents(theirs or {}, mine)
        response = self._render_editor(
            request,
            current or record,
            current.status if current else DRAFT,
            form,
            formsets,
            True,
            extra={"conflict": conflict, "conflict_changes": changes, "changed_by_both": both},
        )
        response.status_code = 409
        return response

    # -- the raw document (advanced) -----------------------------------------------------------------------------
    def json_view(self, request, object_id):
        """The whole document as JSON, for what the form does not show (a reference's role, source ids)."""
        record = get_object_or_404(Record, pk=unquote(object_id))
        editable = can_edit(request.user, record)
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        if request.method == "POST" and not editable:
            raise PermissionDenied
        form = JsonDocumentForm(
            request.POST or None,
            initial={"document": _editable_document(record), "base_revision": record.revision},
        )
        if request.method == "POST" and form.is_valid():
            doc = {**form.cleaned_data["document"], "id": record.pk, "status": record.status}
            if not can_publish(request.user):
                doc["embargo_until"] = record.document.get("embargo_until")
            try:
                save_document(
                    request,
                    doc,
                    note=form.cleaned_data["note"],
                    base_revision=form.cleaned_data["base_revision"],
                )
            except RecordError as e:
                form.add_error("note" if e.field == "note" else "document", f"{e.field}: {e.message}")
            except EditConflict as e:
                form.add_error(None, str(e))
            else:
                self.message_user(request, f"The record {record.pk} was saved.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:records_record_change", args=(quote(record.pk),)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{record.pk} as JSON",
            "record": record,
            "form": form,
            "editable": editable,
            "change_url": reverse("admin:records_record_change", args=(quote(record.pk),)),
        }
        return TemplateResponse(request, "admin/records/record/json.html", context)

    # -- deletes and list actions --------------------------------------------------------------------------------
    def delete_model(self, request, obj) -> None:
        _store(request).delete(obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for record in list(queryset):
            if self.has_delete_permission(request, record):
                _store(request).delete(record.pk, actor=request.user)

    def _set_status(self, request, queryset, action: str) -> None:
        """A list action: the state change of the editor's button `action`, for each record it may leave."""
        target, _sources, _needs, label = TRANSITIONS[action]
        changed = 0
        for record in list(queryset):
            if (action, label) not in allowed_transitions(request.user, record.status):
                self.message_user(request, f"{record.pk}: {_refusal(action, record.status)}", messages.ERROR)
                continue
            try:
                result = _store(request).set_status(record.pk, target, actor=request.user)
                changed += result.action != "unchanged"
            except (RecordError, NotFound) as e:
                self.message_user(request, f"{record.pk}: {e}", messages.ERROR)
        self.message_user(request, f"{changed} records set to {target}.", messages.SUCCESS)

    @admin.action(description="Publish the selected records", permissions=["publish"])
    def publish(self, request, queryset) -> None:
        self._set_status(request, queryset, "publish")

    def has_publish_permission(self, request) -> bool:
        return can_publish(request.user)

    @admin.action(description="Send the selected records to review")
    def send_to_review(self, request, queryset) -> None:
        self._set_status(request, queryset, "review")

    @admin.action(description="Return the selected records to draft")
    def make_draft(self, request, queryset) -> None:
        self._set_status(request, queryset, "draft")


def _error_fields(form, formsets) -> list[tuple[str, str]]:
    """(label, element id) of every field with an error, for the list at the top of the form."""
    found = [
        (form.fields[name].label or name.replace("_", " ").capitalize(), form[name].id_for_label)
        for name in form.errors
        if name in form.fields
    ]
    for formset in formsets.values():
        for i, f in enumerate(formset.forms):
            item = formset.prefix.rstrip("s").capitalize()
            found += [
                (f"{item} {i + 1}: {f.fields[name].label or name.capitalize()}", f[name].id_for_label)
                for name in f.errors
                if name in f.fields
            ]
    return found


def _editable_document(record: Record) -> dict:
    doc = normalize_record(record.document)
    for key in ("status", "created", "updated", "first_published"):
        doc.pop(key, None)
    return doc


class DocumentField(forms.JSONField):
    """The document shown indented, with its characters as they are (not escaped), to be read and edited."""

    def prepare_value(self, value):
        import json

        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class JsonDocumentForm(forms.Form):
    document = DocumentField(
        widget=forms.Textarea(
            attrs={"rows": 30, "cols": 110, "spellcheck": "false", "class": "vLargeTextField"}
        ),
        help_text="The record as JSON (docs/record-schema.md). Its status changes with the editor's buttons.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why you change it (required once the record is published).",
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput)

    def clean_document(self):
        doc = self.cleaned_data["document"]
        if not isinstance(doc, dict):
            raise forms.ValidationError("The document must be a JSON object.")
        return doc


admin.site.site_header = "Readingroom administration"
