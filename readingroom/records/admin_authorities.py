"""The admin of authorities: edit a name, its place in a hierarchy, a description and identifier URIs (VIAF,
Wikidata, LCNAF), delete one no record cites, and merge duplicates into the one that stays (an action with an
autocomplete of the same kind; Store.merge_authorities rewrites the records, the old pages redirect). The
record editor's autocomplete asks AuthorityAdmin too, naming the kinds a field takes (?kind=person,organization).
Registered by records/admin.py, which imports this module."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import editorial
from .errors import Conflict
from .models import Authority, Redirect
from .schema import RecordError
from .store import refuse_cycle
from .vocabulary import AUTHORITY_KIND


def _store(request):
    return request.archive.store


class AuthorityForm(forms.ModelForm):
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        help_text="Shown on the authority's public page.",
    )
    identifiers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text="The same person, place or subject elsewhere, one http(s) URI a line: VIAF "
        "(https://viaf.org/viaf/…), Wikidata (https://www.wikidata.org/wiki/Q…), LCNAF (https://id.loc.gov/…).",
    )

    class Meta:
        model = Authority
        fields = ("kind", "key", "name", "parent", "position", "description", "identifiers", "data")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.instance.data or {}
        self.initial.setdefault("description", data.get("description", ""))
        self.initial.setdefault("identifiers", "\n".join(data.get("same_as") or []))
        if "data" in self.fields:
            self.fields["data"].required = False
            self.fields["data"].help_text = "Other values kept with the authority, as JSON (advanced)."

    def clean_identifiers(self) -> list[str]:
        uris = editorial._lines(self.cleaned_data["identifiers"])
        for uri in uris:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise forms.ValidationError(
                    f"{uri!r} is not an http(s) address: write the identifier's full URI, "
                    "such as https://www.wikidata.org/wiki/Q42."
                )
        return uris

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
        data = cleaned.get("data")
        if data in (None, ""):
            data = {}
        if not isinstance(data, dict):
            self.add_error("data", "The data must be a JSON object.")
            return cleaned
        data = {k: v for k, v in data.items() if k not in ("description", "same_as")}
        if (cleaned.get("description") or "").strip():
            data["description"] = cleaned["description"].strip()
        if cleaned.get("identifiers"):
            data["same_as"] = cleaned["identifiers"]
        cleaned["data"] = data
        return cleaned


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(Authority.objects.all(), label="Merge into")

    def __init__(self, *args, kind: str, exclude: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        into = self.fields["into"]
        assert isinstance(into, forms.ModelChoiceField)
        into.queryset = Authority.objects.filter(kind=kind).exclude(pk__in=exclude)
        widget = editorial.KindAutocomplete((kind,))
        widget.choices = self.fields["into"].widget.choices
        self.fields["into"].widget = widget
        self.fields["into"].help_text = (
            f"The {AUTHORITY_KIND[kind].label.lower()} that stays: the records citing the others will cite it, "
            "and the others' pages will redirect to its page."
        )


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    form = AuthorityForm
    list_display = ("name", "kind", "key", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "key")
    autocomplete_fields = ("parent",)
    actions = ["merge"]

    def get_fields(self, request, obj=None):
        return ("kind", "key", "name", "parent", "position", "description", "identifiers", "data")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "key") if obj else ()

    def get_search_results(self, request, queryset, search_term):
        """The autocomplete of a record's field offers only the kinds it takes (?kind=person,organization)."""
        kinds = [k for k in request.GET.get("kind", "").split(",") if k in AUTHORITY_KIND]
        if kinds and request.resolver_match and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.filter(kind__in=kinds)
        return super().get_search_results(request, queryset, search_term)

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
                actor=request.user,
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
                actor=request.user,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.links.exists():
            return False  # cited by records: delete_authority would refuse
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        try:
            _store(request).delete_authority(obj, actor=request.user)
        except Conflict as e:
            self.message_user(request, str(e), messages.ERROR)

    def delete_queryset(self, request, queryset) -> None:
        for authority in list(queryset):
            self.delete_model(request, authority)

    @admin.action(description="Merge the selected authorities into…", permissions=["change"])
    def merge(self, request, queryset):
        """A page to choose the authority that stays (autocomplete), then Store.merge_authorities for each."""
        chosen = list(queryset)
        kinds = {a.kind for a in chosen}
        if len(kinds) != 1:
            self.message_user(request, "Choose authorities of one kind to merge.", messages.ERROR)
            return None
        kind = kinds.pop()
        form = MergeForm(
            request.POST if "into" in request.POST else None, kind=kind, exclude=[a.pk for a in chosen]
        )
        if form.is_bound and form.is_valid():
            into = form.cleaned_data["into"]
            rewritten = 0
            for old in chosen:
                try:
                    rewritten += len(_store(request).merge_authorities(old, into, actor=request.user))
                except RecordError as e:
                    self.message_user(request, f"{old.name}: {e.message}", messages.ERROR)
                    return None
            self.message_user(
                request,
                f"Merged {', '.join(a.name for a in chosen)} into {into.name}; {rewritten} records now cite "
                f"{into.name}, and the old pages redirect to its page.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:records_authority_change", args=(into.pk,)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Merge {len(chosen)} {AUTHORITY_KIND[kind].label_plural.lower()} into another",
            "chosen": chosen,
            "form": form,
            "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/records/authority/merge.html", context)


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
