"""What the records layer raises when a request cannot be met; web/errors.py maps each to a response."""

from __future__ import annotations


class NotFound(LookupError):
    """No public record or authority by that id."""


class Moved(Exception):
    """The record lives under another id now (it was merged); its old URL redirects there for good."""

    def __init__(self, new_id: str):
        self.new_id = new_id
        super().__init__(new_id)


class Conflict(Exception):
    """The change cannot be made in the archive's present state (the message says why and what to do)."""


class BadRequest(ValueError):
    """A request's parameters cannot be used (the message says which, and what to write instead)."""


class EditConflict(Conflict):
    """An editor saved a record that changed since they opened it: another save came between. Nothing is
    written; `mine` is what they submitted, `theirs` the record as it stands now (None if it was deleted meanwhile), to compare and save again
    (naming `current_revision` as the one they start from)."""

    def __init__(
        self, record_id: str, base_revision: int, current_revision: int, mine: dict, theirs: dict | None
    ):
        self.record_id = record_id
        self.base_revision = base_revision
        self.current_revision = current_revision
        self.mine = mine
        self.theirs = theirs
        super().__init__(
            f"{record_id!r} was changed by someone else while you edited it (you started from revision "
            f"{base_revision}; it is at revision {current_revision} now): compare the two versions, then "
            f"save yours again on top of revision {current_revision}"
        )


class Withdrawn(NotFound):
    """A record that was public and has been withdrawn: its page is a tombstone (HTTP 410) with its title, the
    reason and the date, never its text. A NotFound, so that every other surface treats it as absent."""

    def __init__(self, record):
        self.record = record
        # Said wherever there is no tombstone (the APIs, downloads): the same words as for any hidden record.
        super().__init__(f"no published record {record.pk!r}")


class AuthorityMoved(Exception):
    """An authority merged into another: its old page redirects to the one that stays, for good."""

    def __init__(self, kind: str, key: str):
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key}")
