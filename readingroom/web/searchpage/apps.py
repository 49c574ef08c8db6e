from django.apps import AppConfig


class SearchPageConfig(AppConfig):
    name = "readingroom.web.searchpage"
    label = "searchpage"
    verbose_name = "Search page"
