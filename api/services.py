"""Writes of the API app: personal tokens. The admin today and the web UI's token page later
call these, so creating and revoking behave the same whichever door they come through."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api import auth
from api.models import ApiToken, TokenScope
from hub import errors, permissions
from hub.permissions import User


@transaction.atomic
def api_token_create(*, actor: User, name: str, scope: str = TokenScope.READ,
                     expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for the actor itself; returns the token row and the secret, which is
    shown once and never stored."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ValidationError(
            _("Das Ablaufdatum muss in der Zukunft liegen."), code=errors.INVALID)})
    secret = auth.new_secret()
    token = ApiToken(user=actor, name=name, scope=scope, expires_at=expires_at,
                     prefix=auth.display_prefix(secret), digest=auth.digest(secret))
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token. Its owner may; moderators may too, to shut out a leaked token."""
    if not (actor.is_authenticated and (actor.pk == token.user_id or permissions.is_moderator(actor))):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
