"""Static files with their content's hash in their names, compressed (gzip), served by WhiteNoise with a year's
cache lifetime: `readingroom serve` collects them into READINGROOM_HOME/static at start (Archive.collect_static).

Before they are collected (the test suite, `manage.py runserver` on a checkout), pages name the files plainly
and WhiteNoise finds them in the package: nothing fails for want of a manifest.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ArchiveStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected yet: the plain name, which WhiteNoise's finders serve
            return name
