"""The archive each request works with: `request.archive` (readingroom.archive.Archive)."""

from __future__ import annotations

from django.apps import apps

from .apps import WebConfig


class ArchiveMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.config: WebConfig = apps.get_app_config("web")  # type: ignore[assignment]

    def __call__(self, request):
        request.archive = self.config.archive
        return self.get_response(request)
