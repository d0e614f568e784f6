"""Personal API tokens for tools (dashboards, provider portals, scripts).

Why our own small model rather than a library: the maintained token libraries either need
Django REST framework (django-rest-knox, djangorestframework-api-key), are OAuth2 providers
that keep tokens in clear text by default (django-oauth-toolkit), or lack scopes and expiry
and write `last_used_at` on every request (django-pat). What we need is small: a random
secret shown once, only its SHA-256 stored, a scope, an expiry and a throttled last-used
stamp. A SHA-256 is enough because the secret has 256 bits of entropy (no dictionary to
attack), and it keeps the lookup a single indexed equality query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("nur lesen")
    READ_WRITE = "read_write", _("lesen und schreiben")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("Inhaber"))
    name = models.CharField(_("Bezeichnung"), max_length=100,
                            help_text=_("Wofür der Token gedacht ist, z. B. „Dashboard KRZN“."))
    prefix = models.CharField(_("Anfang"), max_length=16, editable=False,
                              help_text=_("Die ersten Zeichen, um den Token wiederzuerkennen."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("Umfang"), max_length=12, choices=TokenScope.choices,
                             default=TokenScope.READ)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    expires_at = models.DateTimeField(_("gültig bis"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True,
                                        editable=False)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
