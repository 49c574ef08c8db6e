"""One table from domain exceptions to HTTP responses; JSON under /api/, a page elsewhere."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from readingroom.records.errors import Conflict, Moved, NotFound
from readingroom.records.schema import RecordError

STATUS = {NotFound: (404, "Not found"), Conflict: (409, "Conflict"), RecordError: (400, "Bad request")}


class ErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Moved):
            return HttpResponsePermanentRedirect(reverse("record", kwargs={"record_id": exception.new_id}))
        for cls, (status, title) in STATUS.items():
            if isinstance(exception, cls):
                return error_response(request, status, title, str(exception))
        return None


def error_response(request, status: int, title: str, detail: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"status": status, "title": title, "detail": detail}}, status=status)
    return render(
        request, "readingroom/error.html", {"status": status, "title": title, "detail": detail}, status=status
    )


def not_found(request, exception=None):
    return error_response(request, 404, "Not found", "There is no page at this address.")


def server_error(request):
    return error_response(request, 500, "Server error", "Something went wrong on our side.")
