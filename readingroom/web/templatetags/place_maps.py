"""{% place_map places as map %}: the map of a record's places (web/maps.py), None when none is located."""

from __future__ import annotations

from django import template

from readingroom.web import maps

register = template.Library()


@register.simple_tag
def place_map(places) -> dict | None:
    return maps.record_map(list(places)) if places else None
