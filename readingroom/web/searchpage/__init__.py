"""The /search/ page in one place: view, context, URL, template and style. The search itself is readingroom.search."""
