from django.contrib import admin

from web.models import SoftwareQuestion


@admin.register(SoftwareQuestion)
class SoftwareQuestionAdmin(admin.ModelAdmin):
    """Moderators look here when a recipient reports a message as abuse."""

    list_display = ["created_at", "sender", "software", "subject", "recipient_count"]
    list_filter = ["created_at"]
    search_fields = ["subject", "sender__username", "sender__email", "software__name"]
    raw_id_fields = ["sender", "software"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False
