"""The throttle's cache: Django's file cache, shared by every server worker, with its clean-up made occasional.
Django's file cache lists its whole folder on every write to see whether it is over MAX_ENTRIES; counting each
request of a rate-limited path would pay that listing every time."""

from __future__ import annotations

import random

from django.core.cache.backends.filebased import FileBasedCache


class ThrottleCache(FileBasedCache):
    CULL_EVERY = 200  # writes, on average

    def _cull(self):
        if random.randrange(self.CULL_EVERY) == 0:
            super()._cull()  # type: ignore[misc]  # private in the stubs
