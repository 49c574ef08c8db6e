from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("search/", include("readingroom.web.searchpage.urls")),
    path("", include("readingroom.web.urls")),
]

handler404 = "readingroom.web.errors.not_found"
handler500 = "readingroom.web.errors.server_error"
