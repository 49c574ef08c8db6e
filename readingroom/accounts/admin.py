"""The audit log in the admin, read-only and for administrators only; and the throttled admin login form."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from readingroom.records.audit import log_event
from readingroom.records.models import AuditEvent

from . import throttle
from .forms import AdminLoginForm

admin.site.login_form = AdminLoginForm

User = get_user_model()


class AuditedUserAdmin(UserAdmin):
    """Django's user admin; a password an administrator sets goes to the audit log."""

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            log_event(
                "user.password",
                actor=request.user,
                target=user.get_username() if user else str(id),
                ip=throttle.client_ip(request) or None,
            )
        return response


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)


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
