"""The roles, declared once: each is a Django group with its permissions. `ensure_roles()` makes the groups
(after every migrate, and before `readingroom createuser`), `create_user()` makes an account with a role.

contributor   creates and edits drafts (records: add, change, view; authorities: view)
editor        reviews, publishes, withdraws, manages the vocabularies (authorities) and deletes records
administrator users and settings: a superuser
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

if TYPE_CHECKING:  # imported where used: the command line reads ROLES before Django is set up
    from django.contrib.auth.models import Group, Permission

__all__ = ["ROLES", "Role", "RoleError", "create_user", "ensure_roles", "role_of"]


@dataclass(frozen=True)
class Role:
    name: str
    help: str
    permissions: tuple[str, ...]  # "app_label.codename"
    superuser: bool = False


CONTRIBUTOR_PERMISSIONS = (
    "records.view_record",
    "records.add_record",
    "records.change_record",
    "records.view_authority",
)
EDITOR_PERMISSIONS = CONTRIBUTOR_PERMISSIONS + (
    "records.delete_record",
    "records.publish_record",
    "records.view_unpublished",
    "records.add_authority",
    "records.change_authority",
    "records.delete_authority",
    "records.view_redirect",
)

ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("contributor", "creates and edits drafts", CONTRIBUTOR_PERMISSIONS),
        Role("editor", "reviews, publishes, withdraws; manages authorities", EDITOR_PERMISSIONS),
        Role("administrator", "users and settings (a superuser)", EDITOR_PERMISSIONS, superuser=True),
    )
}


class RoleError(ValueError):
    """A user that cannot be created: the message says why and how to fix it."""


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    from django.contrib.auth.models import Permission

    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if perm is None:
            raise RoleError(
                f"permission {name} does not exist: run `readingroom init` to migrate the database"
            )
        found.append(perm)
    return found


def ensure_roles() -> dict[str, Group]:
    """Create or update one group per role with exactly the role's permissions. Safe to run again."""
    from django.contrib.auth.models import Group

    groups = {}
    with transaction.atomic():
        for role in ROLES.values():
            group, _ = Group.objects.get_or_create(name=role.name)
            group.permissions.set(_permissions(role.permissions))
            groups[role.name] = group
    return groups


def role_of(user) -> str | None:
    """The highest role a user holds, or None."""
    names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        return "administrator"
    for name in ("editor", "contributor"):
        if name in names:
            return name
    return None


def create_user(username: str, password: str, role: str, email: str = ""):
    """A new staff account with one role. Raises RoleError for an unknown role, a taken username or a password
    Django's validators refuse."""
    from django.contrib.auth import get_user_model, password_validation

    if role not in ROLES:
        raise RoleError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise RoleError("the username is empty")
    if User.objects.filter(username=username).exists():
        raise RoleError(f"a user named {username!r} exists already: choose another name")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as e:
        raise RoleError(f"username {username!r}: {' '.join(e.messages)}") from None
    spec = ROLES[role]
    user = User(username=username, email=email, is_staff=True, is_superuser=spec.superuser)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        raise RoleError("password refused: " + " ".join(e.messages)) from None
    from readingroom.records.audit import log_event

    groups = ensure_roles()
    with transaction.atomic():
        user.set_password(password)
        user.save()
        user.groups.add(groups[role])
        log_event("user.create", target=username, detail={"role": role})
    return user
