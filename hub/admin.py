"""Admin for KDN moderators: search, filters by state/Kreis/category/status, autocomplete for
every foreign key and the change history of every record (django-simple-history)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from hub import permissions, services
from hub.models import (
    Collaboration,
    Contact,
    Lebenslage,
    Membership,
    Municipality,
    MunicipalityKind,
    Organization,
    OutboxCursor,
    OutboxEvent,
    Service,
    Software,
    SoftwareCategory,
    State,
    Themenfeld,
    Usage,
    UsageSource,
)

admin.site.site_header = _("Kommunalhub – Verwaltung")
admin.site.site_title = _("Kommunalhub")
admin.site.index_title = _("Daten pflegen")


class KreisFilter(admin.SimpleListFilter):
    title = _("Kreis")
    parameter_name = "kreis"

    def lookups(self, request, model_admin):
        state = request.GET.get("state__code__exact") or request.GET.get("municipality__state__code__exact")
        qs = Municipality.objects.filter(kind=MunicipalityKind.KREIS)
        if state:
            qs = qs.filter(state__code=state)
        return [(k.ags, k.name) for k in qs.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        field = "parent__ags" if queryset.model is Municipality else "municipality__parent__ags"
        return queryset.filter(**{field: self.value()})


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Municipality)
class MunicipalityAdmin(GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "ags", "kind", "state", "parent", "population", "is_demo"]
    list_filter = ["state", KreisFilter, "kind", "is_demo"]
    search_fields = ["name", "short_name", "=ags", "=ars"]
    autocomplete_fields = ["state", "parent", "merged_into"]
    list_select_related = ["state", "parent"]
    readonly_fields = ["created_at", "updated_at"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    autocomplete_fields = ["member_municipality", "member_organization"]


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "slug", "kind", "seat", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "member_municipality", "member_organization", "role", "since"]
    list_filter = ["role", "organization"]
    search_fields = ["organization__name", "member_municipality__name", "member_organization__name"]
    autocomplete_fields = ["organization", "member_municipality", "member_organization"]


@admin.register(SoftwareCategory)
class SoftwareCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Software)
class SoftwareAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "vendor", "category", "is_open_source", "licence", "is_demo"]
    list_filter = ["category", "is_open_source", "is_demo"]
    search_fields = ["name", "slug", "aliases", "vendor__name"]
    autocomplete_fields = ["vendor", "category"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["vendor", "category"]


@admin.register(Themenfeld)
class ThemenfeldAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["name"]


@admin.register(Lebenslage)
class LebenslageAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "themenfeld"]
    list_filter = ["themenfeld"]
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "leika_key", "ozg_id", "themenfeld"]
    list_filter = ["kind", "themenfeld"]
    search_fields = ["name", "=leika_key", "=ozg_id"]
    autocomplete_fields = ["ozg_service", "themenfeld", "lebenslage"]
    list_select_related = ["themenfeld"]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "role", "municipality", "organization", "email"]
    search_fields = ["name", "email", "municipality__name", "organization__name"]
    autocomplete_fields = ["municipality", "organization", "user"]
    list_select_related = ["municipality", "organization"]


@admin.action(description=_("Ausgewählte Nutzungen bestätigen"))
def confirm_usages(modeladmin, request: HttpRequest, queryset: QuerySet[Usage]) -> None:
    for usage in queryset:
        services.usage_confirm(actor=request.user, usage=usage)
    count = queryset.count()
    messages.success(
        request,
        ngettext("%(n)d Nutzung bestätigt.", "%(n)d Nutzungen bestätigt.", count) % {"n": count},
    )


@admin.register(Usage)
class UsageAdmin(SimpleHistoryAdmin):
    list_display = ["municipality", "software", "status", "is_confirmed", "source",
                    "last_confirmed_at", "satisfaction", "is_demo"]
    list_filter = ["status", "is_confirmed", "source", "visibility", "municipality__state",
                   KreisFilter, "software__category", "is_demo"]
    search_fields = ["municipality__name", "=municipality__ags", "software__name", "notes"]
    autocomplete_fields = ["municipality", "software", "services", "operated_by", "contact",
                           "successor", "created_by"]
    list_select_related = ["municipality", "software"]
    readonly_fields = ["is_confirmed", "last_confirmed_at", "created_at", "updated_at"]
    actions = [confirm_usages]

    def save_model(self, request, obj: Usage, form, change: bool) -> None:
        """A usage a moderator adds for a municipality stays proposed until it confirms."""
        if not change:
            obj.is_confirmed = permissions.is_own_editor(request.user, obj.municipality)
            if not obj.is_confirmed and obj.source == UsageSource.SELF_DECLARED:
                obj.source = UsageSource.MODERATOR
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Collaboration)
class CollaborationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "topic", "status", "lead_municipality", "lead_organization", "start"]
    list_filter = ["topic", "status", "is_demo"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["lead_municipality", "lead_organization", "municipalities",
                           "organizations", "software", "services"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "entity", "entity_id", "op"]
    list_filter = ["entity", "op"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutboxCursor)
class OutboxCursorAdmin(admin.ModelAdmin):
    list_display = ["consumer", "last_event_id", "failures", "updated_at"]
    readonly_fields = ["consumer", "last_event_id", "failures", "last_error", "updated_at"]
