"""Reads of the API app."""

from __future__ import annotations

from django.db.models import QuerySet

from api.models import ApiToken
from hub.permissions import User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The tokens a person sees on their token page: their own, newest first."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)
