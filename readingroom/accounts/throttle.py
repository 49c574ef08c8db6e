"""Login throttling and rate limits, counted in Django's cache `throttle` (a file cache in READINGROOM_HOME/cache, shared by
every server worker). Counts are fixed windows: approximate under concurrent workers, which is all a limit needs.

- Logins: after LOGIN_FAILURES failed logins within the lockout period, for one username or from one client
  address, further attempts are refused for the lockout period (counted from the last failure).
- Rate limits: requests per client address per minute, per scope (search, api, oai, export): RateCounter.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

__all__ = [
    "RATE_LIMIT_SCOPES",
    "Limit",
    "client_ip",
    "login_locked_for",
    "note_login_failure",
    "clear_login_failures",
    "RateCounter",
    "scope_of",
]

# Path prefixes and the scope whose limit they count against.
RATE_LIMIT_SCOPES: tuple[tuple[str, str], ...] = (
    ("/search/", "search"),
    ("/api/v1/", "api"),
    ("/srv/", "api"),
    ("/oai", "oai"),
    ("/export/", "export"),
)


@dataclass(frozen=True)
class Limit:
    allowed: bool
    retry_after: int = 0  # seconds


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy (READINGROOM_BEHIND_PROXY=1) the last address of
    X-Forwarded-For, the one our proxy added (earlier ones are the client's to forge). "" when there is none (a
    request made in-process)."""
    candidates = []
    if getattr(settings, "READINGROOM_BEHIND_PROXY", False):
        candidates.append(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR") or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""


def _cache():
    return caches["throttle"]


def _key(*parts: str) -> str:
    # Usernames may hold any character; cache keys must not.
    return "rr:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _login_keys(username: str, ip: str) -> list[str]:
    keys = [_key("login-ip", ip)]
    if username:
        keys.append(_key("login-user", username.strip().lower()))
    return keys


def login_locked_for(username: str, ip: str) -> int:
    """Seconds until this username or address may try again (0: it may try now)."""
    limit = settings.READINGROOM_LOGIN_FAILURES
    if not limit:
        return 0
    now = time.time()
    wait = 0
    for key in _login_keys(username, ip):
        failures = _cache().get(key) or []
        if len(failures) >= limit:
            wait = max(wait, math.ceil(failures[-1] + settings.READINGROOM_LOGIN_LOCKOUT - now))
    return max(wait, 0)


def note_login_failure(username: str, ip: str) -> None:
    period = settings.READINGROOM_LOGIN_LOCKOUT
    now = time.time()
    for key in _login_keys(username, ip):
        failures = [t for t in _cache().get(key) or [] if t > now - period]
        failures.append(now)
        _cache().set(key, failures[-50:], timeout=period)


def clear_login_failures(username: str, ip: str) -> None:
    """A successful login forgets the username's failures (not the address's: one right password must not
    reopen an address trying many accounts)."""
    if username:
        _cache().delete(_key("login-user", username.strip().lower()))


def scope_of(path: str) -> str | None:
    for prefix, scope in RATE_LIMIT_SCOPES:
        if path.startswith(prefix):
            return scope
    return None


class RateCounter:
    """Requests per scope and address in the current minute, counted in the shared cache.

    Writing the shared count on every request costs a file write (a millisecond or two); so each process counts
    locally and adds its count to the shared one in batches: large while the total is far from the limit, one by
    one as it nears it (a tenth of what is left). The limit is exact for one process and overshoots by at most a
    tenth of it per other process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._pending: dict[str, int] = {}  # not yet added to the shared count
        self._known: dict[str, int] = {}  # the shared count when last written

    def hit(self, scope: str, ip: str, per_minute: int) -> Limit:
        """Count one request of `scope` from `ip`; refuse it when the minute's limit is reached."""
        if not per_minute:
            return Limit(True)
        now = time.time()
        window = int(now // 60)
        key = _key("rate", scope, ip, str(window))
        with self._lock:
            if window != self._window:
                self._window, self._pending, self._known = window, {}, {}
            pending = self._pending.get(key, 0) + 1
            known = self._known.get(key, 0)
            if pending >= max(1, (per_minute - known) // 10):
                known = self._add(key, pending)
                pending = 0
            self._pending[key] = pending
            self._known[key] = known
        if known + pending > per_minute:
            return Limit(False, max(1, math.ceil((window + 1) * 60 - now)))
        return Limit(True)

    @staticmethod
    def _add(key: str, count: int) -> int:
        cache = _cache()
        if cache.add(key, count, timeout=120):
            return count
        try:
            return cache.incr(key, count)
        except ValueError:  # expired between add and incr
            cache.set(key, count, timeout=120)
            return count
