"""The only model of the web interface: the log of 'ask the users' messages, kept to
rate-limit senders and to follow up abuse. Recipients' addresses are not stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Software


class SoftwareQuestion(models.Model):
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="software_questions", verbose_name=_("Absender"))
    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="questions",
                                 verbose_name=_("Software"))
    subject = models.CharField(_("Betreff"), max_length=150)
    body = models.TextField(_("Nachricht"), max_length=5000)
    municipality_count = models.PositiveIntegerField(_("Kommunen"), default=0)
    recipient_count = models.PositiveIntegerField(_("Empfänger"), default=0)
    created_at = models.DateTimeField(_("gesendet"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Frage an die Nutzer")
        verbose_name_plural = _("Fragen an die Nutzer")
        indexes = [models.Index(fields=["sender", "created_at"])]

    def __str__(self) -> str:
        return f"{self.software} – {self.subject}"
