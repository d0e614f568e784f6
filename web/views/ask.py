"""'Ask the users': a signed-in member writes one message to the contacts of every
municipality using a product, without seeing their addresses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub import permissions, selectors
from web import services
from web.forms import AskUsersForm


@login_required
def ask_users(request: HttpRequest, slug: str) -> HttpResponse:
    software = selectors.software_get(slug=slug)
    if software is None:
        raise Http404
    if not permissions.is_member(request.user):
        raise PermissionDenied(_("Nur Mitglieder können die Nutzer einer Software fragen."))
    recipients = selectors.software_question_recipients(software=software,
                                                        exclude_email=request.user.email)
    form = AskUsersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        url = request.build_absolute_uri(reverse("software_detail", args=[software.slug]))
        try:
            question = services.software_question_send(
                actor=request.user, software=software, product_url=url, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, ngettext(
                "Ihre Nachricht ging an die Ansprechpersonen von %(n)d Kommune.",
                "Ihre Nachricht ging an die Ansprechpersonen von %(n)d Kommunen.",
                question.municipality_count) % {"n": question.municipality_count})
            return redirect("software_detail", slug=software.slug)
    return render(request, "web/software_ask.html", {
        "software": software, "form": form, "municipality_count": len(recipients),
        "remaining": services.software_question_remaining(actor=request.user),
    }, status=400 if form.errors else 200)
