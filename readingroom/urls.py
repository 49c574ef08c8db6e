from django.contrib import admin
from django.urls import include, path

from readingroom.api import urls as api_urls
from readingroom.web import health, metrics, oai

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("readingroom.accounts.urls")),
    path("search/", include("readingroom.web.searchpage.urls")),
    path("api/v1/", include(api_urls.v1)),
    path("srv/", include(api_urls.srv)),
    path("oai", oai.endpoint, name="oai"),
    # Operations (docs/operations.md): liveness, readiness, Prometheus metrics.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("", include("readingroom.web.urls")),
]

# Both answer JSON under /api/ and /srv/ (web/errors.py).
handler404 = "readingroom.web.errors.not_found"
handler500 = "readingroom.web.errors.server_error"
