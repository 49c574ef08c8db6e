"""The audit log in the admin, read-only and for administrators only; and the throttled admin login form."""

from __future__ import annotations

from django.contrib import admin

from readingroom.records.models import AuditEvent

from .forms import AdminLoginForm

admin.site.login_form = AdminLoginForm


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("time", "actor_name", "action", "target", "ip")
    list_filter = ("action", "time", "actor_name")
    search_fields = ("actor_name", "target", "ip")
    date_hierarchy = "time"
    ordering = ("-time", "-id")
    readonly_fields = ("time", "actor", "actor_name", "action", "target", "detail", "ip")
    list_per_page = 100

    # Only administrators (superusers) read the log; nobody writes it here.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
