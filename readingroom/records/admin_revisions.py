"""A record's revisions in the admin: its history (who, when, what and why), the comparison of any two
revisions field by field, and reverting to one (itself a new revision). Mixed into the record's ModelAdmin:

    class RecordAdmin(RevisionAdminMixin, admin.ModelAdmin): ...

Reading is records/revisions.py, writing Store.revert: these views only check permissions and show.
Record ids contain "/": the admin quotes them in its URLs (`_2F`), and every view here unquotes them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from . import revisions
from .errors import NotFound
from .models import Record
from .schema import RecordError


class RevertForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why you revert: kept with the revision, and shown to readers as a correction when the "
        "record is published.",
    )


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1, label="From revision")
    b = forms.IntegerField(min_value=1, label="To revision")


class RevisionAdminMixin:
    """History, compare and revert views for the Record ModelAdmin (the mixin comes first in the bases)."""

    def get_urls(self):
        opts = self.model._meta  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.compare_view),
                name=f"{name}_revisions_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/revert/",
                wrap(self.revert_view),
                name=f"{name}_revisions_revert",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    # -- helpers -------------------------------------------------------------------------------------------------
    def _record_id(self, request, object_id: str, *, change: bool = False) -> tuple[str, Record | None]:
        """The unquoted id and the record (None once deleted: its history stays readable), permission checked."""
        record_id = unquote(object_id)
        record = Record.objects.filter(pk=record_id).defer("document").first()
        if change:
            allowed = record is not None and self.has_change_permission(request, record)  # type: ignore[attr-defined]
        else:
            allowed = self.has_view_or_change_permission(request, record)  # type: ignore[attr-defined]
        if not allowed:
            raise PermissionDenied
        return record_id, record

    def _context(self, request, record_id: str, record: Record | None, title: str) -> dict:
        opts = self.model._meta  # type: ignore[attr-defined]
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "app_label": opts.app_label,
            "title": title,
            "record_id": record_id,
            "record": record,
            "quoted_id": quote(record_id),
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[quote(record_id)]
            ),
            "compare_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_revisions_compare", args=[quote(record_id)]
            ),
            "change_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(record_id)])
            if record
            else None,
        }

    # -- views ---------------------------------------------------------------------------------------------------
    def history_view(self, request, object_id, extra_context=None):
        """The record's revisions, newest first: number, time, who, action, status after it, note."""
        record_id, record = self._record_id(request, object_id)
        found = revisions.history(record_id)
        if record is None and not found:
            raise Http404(f"no record {record_id!r} and no revisions of one")
        opts = self.model._meta  # type: ignore[attr-defined]
        rows = []
        for n, rev in enumerate(found):
            rows.append(
                {
                    "revision": rev,
                    "who": rev.actor_name or "system",
                    "current": record is not None and rev.number == record.revision,
                    "has_document": getattr(rev, "kept", False)
                    or (record is not None and rev.number == record.revision),
                    "previous": found[n + 1].number if n + 1 < len(found) else None,
                    "revert_url": reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_revisions_revert",
                        args=[quote(record_id), rev.number],
                    ),
                }
            )
        context = {
            **self._context(request, record_id, record, f"History of {record_id}"),
            "rows": rows,
            "can_revert": record is not None and self.has_change_permission(request, record),  # type: ignore[attr-defined]
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/records/record/revision_history.html", context)

    def compare_view(self, request, object_id):
        """Two revisions side by side, field by field (?a=N&b=M)."""
        record_id, record = self._record_id(request, object_id)
        form = CompareForm(request.GET)
        changes, problem = None, None
        if form.is_valid():
            a, b = form.cleaned_data["a"], form.cleaned_data["b"]
            try:
                changes = revisions.diff(record_id, a, b)
            except NotFound as e:
                problem = str(e)
        elif request.GET:
            problem = "Choose two revisions by their numbers (a and b)."
        context = {
            **self._context(request, record_id, record, f"Compare revisions of {record_id}"),
            "form": form,
            "changes": changes,
            "problem": problem,
            "a": form.cleaned_data.get("a") if form.is_valid() else None,
            "b": form.cleaned_data.get("b") if form.is_valid() else None,
        }
        return TemplateResponse(request, "admin/records/record/revision_compare.html", context)

    def revert_view(self, request, object_id, number: int):
        """GET: what reverting to revision `number` would change, and the form for the note. POST: revert."""
        record_id, record = self._record_id(request, object_id, change=True)
        assert record is not None
        try:
            changes = revisions.diff(record_id, record.revision, number)
        except NotFound as e:
            raise Http404(str(e)) from None
        form = RevertForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = request.archive.store.revert(
                    record_id, number, actor=request.user, note=form.cleaned_data["note"]
                )
            except RecordError as e:
                form.add_error(None, e.message)
            else:
                messages.success(
                    request,
                    f"{record_id} reverted to revision {number}: it is now revision {result.revision}.",
                )
                return HttpResponseRedirect(self._context(request, record_id, record, "")["history_url"])
        context = {
            **self._context(request, record_id, record, f"Revert {record_id} to revision {number}"),
            "form": form,
            "number": number,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/records/record/revision_revert.html", context)
