"""Authentication for the API: the browser session, or a personal token sent as
`Authorization: Bearer khub_…`.

Tokens authenticate only the GraphQL endpoint (never the admin or the web UI), so a leaked
token cannot be turned into a session. Requests with a token need no CSRF token (no cookie
is involved); session requests keep Django's CSRF protection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from api import errors
from api.models import ApiToken

TOKEN_PREFIX = "khub_"


class TokenError(Exception):
    """A token was sent but cannot be used; the view answers 401 with this code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def display_prefix(secret: str) -> str:
    return secret[: len(TOKEN_PREFIX) + 6]


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret from the Authorization header, None if no header was sent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise TokenError(errors.INVALID_TOKEN, _(
            "Der Authorization-Header muss die Form „Bearer <Token>“ haben."))
    return value.strip()


def token_for_secret(secret: str) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise TokenError(errors.INVALID_TOKEN,
                         _("Der API-Token ist unbekannt oder wurde widerrufen."))
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise TokenError(errors.TOKEN_EXPIRED, _("Der API-Token ist abgelaufen."))
    _touch(token)
    return token


def _touch(token: ApiToken) -> None:
    """Record the last use at most once per API_TOKEN_TOUCH_SECONDS: a write per request
    would serialise readers on SQLite and bloat PostgreSQL's WAL for no extra insight."""
    now = timezone.now()
    every = dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or now - token.last_used_at >= every:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def authenticate(request: HttpRequest) -> ApiToken | None:
    """Switch the request to the token's user if a Bearer token was sent."""
    secret = bearer_secret(request)
    if secret is None:
        request.api_token = None
        return None
    token = token_for_secret(secret)
    request.user = token.user
    request.api_token = token
    return token


def may_write(request: HttpRequest) -> bool:
    """Sessions may write; tokens only with the read-write scope."""
    token = getattr(request, "api_token", None)
    return token is None or token.can_write
