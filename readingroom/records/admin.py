"""The Django admin for archivists, on the one write path (records/store.py).

A record is edited as its canonical document (JSON) with its status and embargo date beside it; saving
validates the document exactly as an import does and stores it through the store, which derives the columns,
links and outbox rows and updates the index. The derived columns and links are shown, never edited. Actions
publish, send to review, withdraw or delete through the same store. Authorities are edited through it too:
their kind and key are what records cite, so they are fixed once made.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages

from .admin_revisions import RevisionAdminMixin
from .errors import Conflict, NotFound
from .models import Authority, Record, RecordLink, Redirect
from .schema import STATUSES, RecordError, normalize_record
from .store import refuse_cycle


def _store(request):
    return request.archive.store


class LinkInline(admin.TabularInline):
    """The record's authorities, derived from its document: shown, not edited."""

    model = RecordLink
    extra = 0
    fields = readonly_fields = ("authority", "role", "position")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DocumentField(forms.JSONField):
    """The document shown indented, with its characters as they are (not escaped), to be read and edited."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class RecordForm(forms.ModelForm):
    status = forms.ChoiceField(choices=[(s, s) for s in STATUSES])
    document = DocumentField(
        widget=forms.Textarea(attrs={"rows": 30, "cols": 110, "spellcheck": "false"}),
        help_text="The record as JSON (docs/record-schema.md). Its status and embargo date are the fields above.",
    )

    class Meta:
        model = Record
        fields = ("status", "embargo_until", "document")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            doc = normalize_record(self.instance.document)
            for key in ("status", "embargo_until"):
                doc.pop(key, None)
            self.initial["document"] = doc

    def clean(self):
        cleaned = super().clean() or {}
        doc = cleaned.get("document")
        if not isinstance(doc, dict):
            if "document" not in self.errors:
                self.add_error("document", "The document must be a JSON object.")
            return cleaned
        embargo = cleaned.get("embargo_until")
        doc = {
            **doc,
            "status": cleaned.get("status"),
            "embargo_until": embargo.isoformat() if embargo else None,
        }
        if self.instance.pk:
            if doc.get("id") not in (None, self.instance.pk):
                self.add_error(
                    "document",
                    f"The id cannot change here (it is {self.instance.pk!r}); merge "
                    f"records with `readingroom merge OLD NEW`.",
                )
                return cleaned
            doc["id"] = self.instance.pk
        elif Record.objects.filter(pk=doc.get("id")).exists():
            self.add_error("document", f"A record {doc.get('id')!r} exists already: edit it instead.")
            return cleaned
        try:
            cleaned["canonical"] = normalize_record(doc)
        except RecordError as e:
            self.add_error("document", f"{e.field}: {e.message}")
        return cleaned

    def _post_clean(self):
        # The store validates and derives every column; the model's own validation of the columns the form
        # does not carry (title, dates...) would only repeat it with stale values.
        pass


@admin.register(Record)
class RecordAdmin(RevisionAdminMixin, admin.ModelAdmin):
    form = RecordForm
    list_display = ("id", "title", "date_text", "status", "embargo_until", "updated")
    list_filter = ("status", "date_precision", "date_certainty")
    search_fields = ("id", "title")
    derived = (
        "title",
        "summary",
        "date_text",
        "date_edtf",
        "date_earliest",
        "date_latest",
        "date_precision",
        "date_certainty",
        "content_hash",
        "created",
        "updated",
        "first_published",
    )
    inlines = [LinkInline]
    actions = ["publish", "send_to_review", "withdraw", "make_draft"]

    def get_readonly_fields(self, request, obj=None):
        return (("id",) + self.derived) if obj else ()

    def get_fields(self, request, obj=None):
        return (
            (("id", "status", "embargo_until", "document") + self.derived)
            if obj
            else ("status", "embargo_until", "document")
        )

    def save_model(self, request, obj, form, change) -> None:
        result = _store(request).save(form.cleaned_data["canonical"])
        obj.pk = result.record_id
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        # Links are derived from the document by the store: the read-only inline saves nothing.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj) -> None:
        _store(request).delete(obj.pk)

    def delete_queryset(self, request, queryset) -> None:
        for record_id in list(queryset.values_list("pk", flat=True)):
            _store(request).delete(record_id)

    def _set_status(self, request, queryset, status: str) -> None:
        changed = 0
        for record_id in list(queryset.values_list("pk", flat=True)):
            try:
                changed += _store(request).set_status(record_id, status).action != "unchanged"
            except (RecordError, NotFound) as e:
                self.message_user(request, f"{record_id}: {e}", messages.ERROR)
        self.message_user(request, f"{changed} records set to {status}.", messages.SUCCESS)

    @admin.action(description="Publish the selected records")
    def publish(self, request, queryset) -> None:
        self._set_status(request, queryset, "published")

    @admin.action(description="Send the selected records to review")
    def send_to_review(self, request, queryset) -> None:
        self._set_status(request, queryset, "in-review")

    @admin.action(description="Withdraw the selected records")
    def withdraw(self, request, queryset) -> None:
        self._set_status(request, queryset, "withdrawn")

    @admin.action(description="Make the selected records drafts")
    def make_draft(self, request, queryset) -> None:
        self._set_status(request, queryset, "draft")


class AuthorityForm(forms.ModelForm):
    class Meta:
        model = Authority
        fields = ("kind", "key", "name", "parent", "position", "data")

    def clean(self):
        cleaned = super().clean() or {}
        parent = cleaned.get("parent")
        kind = cleaned.get("kind") or self.instance.kind
        if parent is not None and parent.kind != kind:
            self.add_error("parent", f"A {kind} can only be placed under another {kind}.")
        elif parent is not None and self.instance.pk:
            try:
                refuse_cycle(self.instance, parent.pk)
            except RecordError as e:
                self.add_error("parent", e.message)
        if not isinstance(cleaned.get("data"), dict):
            self.add_error("data", "The data must be a JSON object.")
        return cleaned


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    form = AuthorityForm
    list_display = ("name", "kind", "key", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "key")
    raw_id_fields = ("parent",)

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "key") if obj else ()

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        store = _store(request)
        if change:
            saved = store.edit_authority(
                obj,
                name=data["name"],
                parent=data.get("parent"),
                position=data.get("position") or 0,
                data=data.get("data") or {},
            )
        else:
            parent = data.get("parent")
            saved = store.save_authority(
                data["kind"],
                data["key"],
                data["name"],
                parent_key=parent.key if parent else None,
                position=data.get("position") or 0,
                data=data.get("data") or None,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.links.exists():
            return False  # cited by records: delete_authority would refuse
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        try:
            _store(request).delete_authority(obj)
        except Conflict as e:
            self.message_user(request, str(e), messages.ERROR)

    def delete_queryset(self, request, queryset) -> None:
        for authority in list(queryset):
            self.delete_model(request, authority)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """Made by merging records (`readingroom merge`): shown, not edited."""

    list_display = ("old_id", "new_id")
    search_fields = ("old_id", "new_id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.site_header = "Readingroom administration"
