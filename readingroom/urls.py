from django.contrib import admin
from django.urls import include, path

from readingroom.web import oai

urlpatterns = [
    path("admin/", admin.site.urls),
    path("search/", include("readingroom.web.searchpage.urls")),
    path("oai", oai.endpoint, name="oai"),
    path("", include("readingroom.web.urls")),
]

handler404 = "readingroom.web.errors.not_found"
handler500 = "readingroom.web.errors.server_error"
