from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "readingroom.records"
    label = "records"
    verbose_name = "Records"
