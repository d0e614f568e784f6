"""Read-only views of what the imports keep: moderators look, the importers write."""

from django.contrib import admin

from exchange.models import AdminArea, PubliccodeDocument


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdminArea)
class AdminAreaAdmin(ReadOnly):
    list_display = ["key", "name", "level", "text_code", "state", "dissolved_on"]
    list_filter = ["level", "state"]
    search_fields = ["key", "name"]


@admin.register(PubliccodeDocument)
class PubliccodeDocumentAdmin(ReadOnly):
    list_display = ["software", "version", "source", "imported_at"]
    search_fields = ["software__name", "source"]
    list_select_related = ["software"]
