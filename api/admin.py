"""Personal API tokens in the admin: staff create their own (the secret is shown once, in the
confirmation message) and revoke them; moderators see and revoke every token. The web UI's
token page will call the same services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiToken
from hub import permissions


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope", "expires_at"]


@admin.action(description=_("Ausgewählte Tokens widerrufen"))
def revoke_tokens(modeladmin, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
    for token in queryset:
        services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("%(n)d Tokens widerrufen.") % {"n": queryset.count()})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "user", "scope", "created_at", "expires_at",
                    "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = [revoke_tokens]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        queryset = super().get_queryset(request).select_related("user")
        if permissions.is_moderator(request.user):
            return queryset
        return queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a token never changes after creation; revoke and create anew
            return [*self.readonly_fields, "name", "scope", "expires_at", "user"]
        return self.readonly_fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Every staff member manages their own tokens; no model permission needed."""
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        token, secret = services.api_token_create(
            actor=request.user, name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"], expires_at=form.cleaned_data["expires_at"])
        obj.pk, obj.user, obj.prefix = token.pk, token.user, token.prefix
        messages.warning(request, _(
            "Neuer API-Token (wird nur jetzt angezeigt, bitte sicher aufbewahren): %(secret)s")
            % {"secret": secret})
