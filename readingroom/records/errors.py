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
