"""The record page's withheld passages (records/withheld.py): each marker in the text set apart, and their count
among the document's details."""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import SafeString, mark_safe

from readingroom.records import withheld
from readingroom.records.vocabulary import WITHHELD_KIND

register = template.Library()


@register.filter
def withheld_marks(markup) -> str:
    """Sanitized text (after |sanitized) with each "[… not declassified]" marker in a <span class="withheld">
    titled "Withheld at declassification". Anything not already safe is escaped first, never trusted."""
    if not isinstance(markup, SafeString):
        markup = html.escape(str(markup or ""), quote=False)
    return mark_safe(withheld.mark(markup))


@register.simple_tag
def withheld_of(doc) -> dict:
    """{"total", "summary" ("3 withheld passages: 2 names, 1 paragraph"), "kinds": [(kind, "2 names")]}."""
    entries = withheld.of_document(doc) if isinstance(doc, dict) else []
    return {
        "total": len(entries),
        "summary": withheld.summary(entries),
        "kinds": [
            (kind, f"{n} {WITHHELD_KIND[kind].label if n == 1 else WITHHELD_KIND[kind].label_plural}")
            for kind, n in withheld.counts(entries)
        ],
    }
