"""The text's page breaks linked to the scans of those pages: a `[Page 211]` marker (ingest/tei.py writes
`<span class="pb" data-page="211">`) becomes a link to the scan viewer's page of the scan labelled "Page 211"
(iiif/pages.py `printed_pages`). Markers no scan's label names stay as they are."""

from __future__ import annotations

import html
import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_PAGE_BREAK = re.compile(
    r'(<span(?=[^>]*\bclass="pb")(?=[^>]*\bdata-page="([^"]*)")[^>]*>)(.*?)(</span>)', re.S
)


@register.filter
def scan_links(markup, printed: dict | None) -> str:
    """Sanitized text (after |sanitized) with each page break a scan's label names linked to that scan."""
    if not isinstance(markup, SafeString):
        markup = html.escape(str(markup or ""), quote=False)
    if not printed:
        return markup

    def link(m: re.Match) -> str:
        href = printed.get(html.unescape(m.group(2)).strip().lower())
        if href is None:
            return m.group(0)
        label = f"The scan of page {m.group(2)}"
        return f'{m.group(1)}<a href="{html.escape(href)}" title="{label}">{m.group(3)}</a>{m.group(4)}'

    return mark_safe(_PAGE_BREAK.sub(link, markup))
