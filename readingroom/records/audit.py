"""The audit log: one function every part calls to note a write, an import, a publication, a login or a failed
login (models.AuditEvent). It writes in the caller's transaction, so an event is logged exactly when its change
commits; login events have no transaction of their own and commit at once."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import AuditEvent

__all__ = ["ACTIONS", "latest_event_id", "log_event"]

# What the log records, one word each (the admin filters by them).
ACTIONS = (
    "record.create",
    "record.update",
    "record.status",
    "record.revert",
    "record.delete",
    "record.merge",
    "authority.create",
    "authority.update",
    "authority.delete",
    "authority.merge",
    "import",
    "publish-due",
    "login",
    "login.failed",
    "logout",
    "user.create",
    "user.password",
)


def log_event(
    action: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Note one event. `actor` is a user (or None for the system: imports from the command line, publish-due);
    `actor_name` names who tried when there is no user (a failed login's username)."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not an audit action; add it to records/audit.py ACTIONS")
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        time=timezone.now(),
        actor=user,
        actor_name=(user.get_username() if user else actor_name)[:150],
        action=action,
        target=target[:1000],
        detail=detail or {},
        ip=ip or None,
    )


def latest_event_id() -> int:
    """The id of the latest event (0 when none). Every change of the store logs one in its own transaction, so
    anything computed from the store stays current while this number does not change (the record page's related
    documents are cached by it: web/contexts.py)."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
