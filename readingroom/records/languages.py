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


@lru_cache(maxsize=512)
def code_for_name(name: str) -> str | None:
    """'Vietnamese' -> 'vie': the ISO 639-2/B code of a language named in English, None if unknown."""
    try:
        lang = pycountry.languages.lookup(name.strip())
    except LookupError:
        return None
    return getattr(lang, "bibliographic", None) or getattr(lang, "alpha_3", None)


@lru_cache(maxsize=512)
def bcp47(code: str) -> str:
    """The tag an HTML lang attribute wants (BCP 47: the shortest ISO 639 code): 'vie' -> 'vi', 'ger' -> 'de',
    'haw' -> 'haw'."""
    lang = pycountry.languages.get(bibliographic=code) or pycountry.languages.get(alpha_3=code)
    if lang is None:
        return code
    return getattr(lang, "alpha_2", None) or lang.alpha_3
