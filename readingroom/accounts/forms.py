"""The login forms, site and admin, refuse to check a password while the username or the address is locked out
(throttle.py): the message says for how long."""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from readingroom.records.audit import log_event

from . import throttle


def _check_lockout(form: AuthenticationForm) -> None:
    username = form.cleaned_data.get("username") or ""
    ip = throttle.client_ip(form.request) if form.request is not None else ""
    wait = throttle.login_locked_for(username, ip)
    if wait:
        log_event(
            "login.failed", actor_name=username, ip=ip or None, detail={"username": username, "locked": True}
        )
        minutes = math.ceil(wait / 60)
        raise forms.ValidationError(
            f"Too many failed logins for this account or from your address: try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
            code="locked",
        )


class LoginForm(AuthenticationForm):
    def clean(self):
        _check_lockout(self)
        return super().clean()


class AdminLoginForm(AdminAuthenticationForm):
    def clean(self):
        _check_lockout(self)
        return super().clean()


def lockout_rule() -> str:
    """The rule, as the login page states it."""
    failures = settings.READINGROOM_LOGIN_FAILURES
    minutes = settings.READINGROOM_LOGIN_LOCKOUT // 60
    if not failures:
        return ""
    return (
        f"After {failures} failed logins within {minutes} minutes, for one account or from one address, "
        f"logging in is refused for {minutes} minutes."
    )
