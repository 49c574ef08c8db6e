"""Language codes: ISO 639-2/B (as the Wilson Center DA and MARC use them, e.g. 'chi', 'ger'), via pycountry."""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=512)
def language_name(code: str) -> str | None:
    """English name of an ISO 639-2 code (bibliographic or terminological), None if unknown."""
    lang = pycountry.languages.get(bibliographic=code) or pycountry.languages.get(alpha_3=code)
    return lang.name if lang else None


def is_known(code: str) -> bool:
    return language_name(code) is not None
