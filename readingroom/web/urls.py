from django.urls import path, register_converter

from readingroom.records.vocabulary import AUTHORITY_KIND, KIND_BY_PLURAL

from . import citations, exports, iiif, scanviewer, sitemaps, views, withheld


class KindConverter:
    """URL segment naming an authority kind in the plural (/persons/, /places/...)."""

    regex = "|".join(k.plural for k in AUTHORITY_KIND.values())

    def to_python(self, value: str) -> str:
        return KIND_BY_PLURAL[value]

    def to_url(self, value: str) -> str:
        return AUTHORITY_KIND[value].plural


register_converter(KindConverter, "kind")


class YearConverter:
    """A calendar year, 1 to 9999 (what a record's date can hold): /years/0/ is a page not found, not an error.
    Any whole number is written out, so a link to the year before 1 is a 404 rather than a broken page."""

    regex = "[0-9]{1,6}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not 1 <= year <= 9999:
            raise ValueError(value)  # no match: 404
        return year

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(YearConverter, "year")

urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, {"sitemap": sitemaps.SITEMAP}, name="sitemap"),
    path(
        "sitemap-<slug:section>-<int:chunk>.xml",
        sitemaps.chunk,
        {"sitemap": sitemaps.SITEMAP},
        name="sitemap-chunk",
    ),
    path("records/", views.record_list, name="records"),
    # A record's sub-resources come first, so that "@..." never reaches the record view.
    path("records/<path:record_id>/@manifest.json", iiif.manifest, name="iiif-manifest"),
    path("records/<path:record_id>/@scans/<int:n>/", scanviewer.scan_page, name="scan-page"),
    path("records/<path:record_id>/@<str:name>", citations.download, name="record-subresource"),
    path("records/<path:record_id>/", views.record, name="record"),
    path("media/<path:path>", views.media, name="media"),
    path("export/", exports.export, name="export"),
    path("iiif/<str:image>", iiif.image_base, name="iiif-image-base"),
    path("iiif/<str:image>/info.json", iiif.image_info, name="iiif-image-info"),
    path(
        "iiif/<str:image>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:fmt>",
        iiif.image,
        name="iiif-image",
    ),
    path("years/", views.years, name="years"),
    path("years/<year:year>/", views.year, name="year"),
    path("on-this-day/", views.on_this_day, name="on-this-day"),
    path("withheld/", withheld.page, name="withheld"),
    path("<kind:kind>/", views.authority_list, name="authorities"),
    path("<kind:kind>/<path:key>/", views.authority, name="authority"),
]
