"""Writes of the web interface that are not hub records: 'ask the users'. Like the hub
services, keyword-only, no HTTP, permission checks left to the caller."""

from __future__ import annotations

import datetime as dt
from email.utils import formataddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub import errors, selectors
from hub.models import Software
from hub.permissions import User
from web.models import SoftwareQuestion


def software_question_remaining(*, actor: User) -> int:
    """How many more messages the actor may send in the current 24 hours."""
    since = timezone.now() - dt.timedelta(days=1)
    sent = SoftwareQuestion.objects.filter(sender=actor, created_at__gte=since).count()
    return max(0, settings.ASK_USERS_PER_DAY - sent)


@transaction.atomic
def software_question_send(*, actor: User, software: Software, subject: str, body: str,
                           product_url: str = "") -> SoftwareQuestion:
    """E-mail one message to the contacts of every municipality using the product, one mail
    per address (nobody sees the others), Reply-To the sender, so answers go straight to
    them and the hub never shows an address. Rate-limited per sender."""
    if not getattr(actor, "email", ""):
        raise ValidationError(_("Ihr Konto hat keine E-Mail-Adresse; Antworten könnten Sie "
                                "nicht erreichen."), code=errors.EMAIL_REQUIRED)
    if software_question_remaining(actor=actor) <= 0:
        raise ValidationError(
            _("Sie haben heute bereits %(n)d Nachrichten gesendet. Bitte versuchen Sie es "
              "morgen wieder.") % {"n": settings.ASK_USERS_PER_DAY}, code=errors.RATE_LIMITED)
    recipients = selectors.software_question_recipients(software=software,
                                                        exclude_email=actor.email)
    if not recipients:
        raise ValidationError(_("Für diese Software ist noch keine Ansprechperson mit "
                                "E-Mail-Adresse hinterlegt."), code=errors.NO_RECIPIENTS)
    question = SoftwareQuestion(sender=actor, software=software, subject=subject, body=body,
                                municipality_count=len(recipients),
                                recipient_count=sum(len(emails) for _m, emails in recipients))
    question.full_clean()
    question.save()
    sender = formataddr((actor.get_full_name() or actor.get_username(), actor.email))
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for municipality, emails in recipients:
            text = render_to_string("web/mail/ask_users.txt", {
                "question": question, "sender": actor, "municipality": municipality,
                "product_url": product_url})
            messages += [EmailMessage(subject=f"[Kommunalhub] {subject}", body=text,
                                      from_email=settings.DEFAULT_FROM_EMAIL, to=[email],
                                      reply_to=[sender]) for email in emails]
    get_connection().send_messages(messages)
    return question
