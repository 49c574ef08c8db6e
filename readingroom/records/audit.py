"""The audit log: one function every part calls to note a write, an import, a publication, a login or a failed
login (models.AuditEvent). It writes in the caller's transaction, so an event is logged exactly when its change
commits; login events have no transaction of their own and commit at once."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import AuditEvent

__all__ = ["ACTIONS", "latest_list_change", "log_event"]

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

# Actions that change nothing readers see (AuditEvent.changes_lists is false for them).
UNSEEN_ACTIONS = frozenset({"login", "login.failed", "logout", "user.create", "user.password"})


def log_event(
    action: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    target: str = "",
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    changes_lists: bool | None = None,
) -> AuditEvent:
    """Note one event. `actor` is a user (or None for the system: imports from the command line, publish-due);
    `actor_name` names who tried when there is no user (a failed login's username). `changes_lists`: whether the
    change may alter what other pages than the changed record's own show (AuditEvent.changes_lists); by default
    every change of the store may, and no login or account event does."""
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
        changes_lists=action not in UNSEEN_ACTIONS if changes_lists is None else changes_lists,
    )


def latest_list_change() -> int:
    """The id of the latest event that may have changed what pages show of records other than the one changed
    (0 when none): lists, counts, titles, dates, authorities, links. What readers are shown of many records at
    once (the home page's counts, a year's list, a volume's order, a record page's related documents) is kept
    under it (web/pagecache.py), so an editor correcting a published record's text, or saving a draft, does not
    make every worker compute them again. One step down an index (changes_lists, id)."""
    return (
        AuditEvent.objects.filter(changes_lists=True).order_by("-id").values_list("id", flat=True).first()
        or 0
    )
