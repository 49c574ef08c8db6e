"""The Django admin for archivists: browse and correct records and authorities."""

from django.contrib import admin

from .models import Authority, Record, RecordLink, Redirect


class LinkInline(admin.TabularInline):
    model = RecordLink
    extra = 0
    raw_id_fields = ("authority",)
    readonly_fields = ("role", "position")


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "date_text", "status", "embargo_until", "updated")
    list_filter = ("status", "date_precision", "date_certainty")
    search_fields = ("id", "title")
    readonly_fields = ("content_hash", "created", "updated", "first_published")
    inlines = [LinkInline]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "key", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "key")
    raw_id_fields = ("parent",)


admin.site.register(Redirect)
admin.site.site_header = "Readingroom administration"
