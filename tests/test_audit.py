"""The audit log's one function (records/audit.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from readingroom.records.audit import log_event
from readingroom.records.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_event_keeps_who_did_what():
    user = User.objects.create_user("archivist", password="x" * 12)
    log_event(
        "record.update", actor=user, target="frus1964-68v07/d74", detail={"note": "typo"}, ip="10.0.0.1"
    )
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_name, event.action, event.target) == (
        user,
        "archivist",
        "record.update",
        "frus1964-68v07/d74",
    )
    assert event.detail == {"note": "typo"} and event.ip == "10.0.0.1"
    user.delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_name == "archivist"  # the log outlives the account


def test_a_failed_login_names_who_tried():
    log_event("login.failed", actor_name="mallory", ip="192.0.2.9")
    assert AuditEvent.objects.get().actor_name == "mallory"


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match="not an audit action"):
        log_event("record.frobnicate")
    assert not AuditEvent.objects.exists()
