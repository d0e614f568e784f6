"""E-mails the web interface sends on behalf of a person (invitations). They need the
request for absolute links, which is why they live here and not in the services."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hub.models import Municipality


def send_editor_invitation(request: HttpRequest, *, user, municipality: Municipality,
                           new_account: bool) -> None:
    """A new account gets a link to set its password (the password-reset token, valid for
    PASSWORD_RESET_TIMEOUT); an existing one a note where to find the municipality."""
    context = {
        "inviter": request.user, "user": user, "municipality": municipality,
        "new_account": new_account,
        "dashboard_url": request.build_absolute_uri(
            reverse("editor_dashboard", args=[municipality.ags])),
    }
    if new_account:
        context["set_password_url"] = request.build_absolute_uri(reverse(
            "password_reset_confirm", kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user)}))
    send_mail(
        subject=_("[Kommunalhub] Einladung: %(name)s bearbeiten") % {"name": municipality.name},
        message=render_to_string("web/mail/editor_invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email])
