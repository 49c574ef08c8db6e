"""Logins, logouts and failed logins go to the audit log, with the client's address; failures also count
towards the login throttle (throttle.py)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from readingroom.records.audit import log_event

from . import throttle


def _ip(request) -> str | None:
    return (throttle.client_ip(request) or None) if request is not None else None


@receiver(user_logged_in, dispatch_uid="readingroom-audit-login")
def logged_in(sender, request, user, **kwargs):
    ip = _ip(request)
    throttle.clear_login_failures(user.get_username(), ip or "")
    log_event("login", actor=user, ip=ip)


@receiver(user_logged_out, dispatch_uid="readingroom-audit-logout")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        log_event("logout", actor=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="readingroom-audit-login-failed")
def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    ip = _ip(request)
    if request is not None:
        throttle.note_login_failure(username, ip or "")
    log_event("login.failed", actor_name=username, ip=ip, detail={"username": username[:150]})
