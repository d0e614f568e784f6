"""'Meine Kommune': the editors' area. Editors of a municipality (object permission
hub.change_municipality, or moderators) keep its usages current in one table, confirm what
others proposed, re-confirm stale entries and invite colleagues. Every write goes through
hub.services; the permission check is hub.permissions.can_edit_municipality."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hub import permissions, selectors, services
from hub.models import Municipality, Software, Usage, UsageStatus
from web import mail
from web.forms import InviteForm, NewUsageFormSet, UsageRowFormSet, add_validation_errors


def _editable(request: HttpRequest, ags: str) -> Municipality:
    municipality = selectors.municipality_get(ags=ags)
    if municipality is None:
        raise Http404
    if not permissions.can_edit_municipality(request.user, municipality):
        raise PermissionDenied(_("Sie bearbeiten diese Kommune nicht."))
    return municipality


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    mine = list(selectors.editor_municipalities(user=request.user))
    if len(mine) == 1:
        return redirect("editor_dashboard", ags=mine[0].ags)
    return render(request, "web/editor/overview.html", {
        "municipalities": mine, "is_moderator": permissions.is_moderator(request.user)})


@login_required
def dashboard(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = _editable(request, ags)
    return render(request, "web/editor/dashboard.html", {
        "municipality": municipality,
        "proposed": list(selectors.usage_proposed(municipality=municipality)),
        "stale": list(selectors.usage_stale(municipality=municipality)),
        "stale_days": settings.USAGE_STALE_AFTER_DAYS,
        "active_count": municipality.usages.exclude(status=UsageStatus.RETIRED).count(),
    })


def _software_choices() -> tuple:
    """Products grouped by category for the select of new rows, as plain tuples (thousands
    of model instances would cost more than the rest of the page)."""
    rows = (Software.objects.order_by("category__position", "category__name", "name")
            .values_list("pk", "name", "category__name"))
    groups: dict[str, list] = {}
    for pk, name, category in rows:
        groups.setdefault(category, []).append((pk, name))
    return tuple((category, tuple(options)) for category, options in groups.items())


def _save_rows(request, municipality, existing, new, usages_by_id) -> bool:
    """Apply every changed row in one transaction; any error rolls all of them back."""
    ok = True
    with transaction.atomic():
        for form in existing:
            usage = usages_by_id.get(form.cleaned_data["usage_id"])
            if usage is None:
                form.add_error(None, _("Diese Nutzung gibt es nicht mehr."))
                ok = False
                continue
            if form.cleaned_data["version"] != usage.updated_at.isoformat():
                form.add_error(None, _("Jemand hat diese Zeile inzwischen geändert. Bitte "
                                       "laden Sie die Seite neu."))
                ok = False
                continue
            try:
                if form.cleaned_data["delete"]:
                    services.usage_delete(actor=request.user, usage=usage)
                elif changes := form.changes():
                    services.usage_update(actor=request.user, usage=usage, **changes)
            except ValidationError as exc:
                add_validation_errors(form, exc)
                ok = False
        picked = [f.cleaned_data["software"] for f in new if f.has_changed()]
        software_by_id = Software.objects.in_bulk([pk for pk in picked if pk])
        for form in new:
            if not form.has_changed():
                continue
            software = software_by_id.get(form.cleaned_data["software"])
            if software is None:
                form.add_error("software", _("Diese Software gibt es nicht."))
                ok = False
                continue
            try:
                services.usage_create(actor=request.user, municipality=municipality,
                                      software=software, **form.values())
            except ValidationError as exc:
                add_validation_errors(form, exc)
                ok = False
        if not ok:
            transaction.set_rollback(True)
    return ok


@login_required
def usages(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = _editable(request, ags)
    active = list(selectors.usage_editable(municipality=municipality)
                  .exclude(status=UsageStatus.RETIRED))
    retired = list(selectors.usage_editable(municipality=municipality)
                   .filter(status=UsageStatus.RETIRED))
    choices = _software_choices()
    data = request.POST if request.method == "POST" else None
    existing = UsageRowFormSet(data, prefix="nutzung", usages=active)
    new = NewUsageFormSet(data, prefix="neu", form_kwargs={"software_choices": choices})
    try:
        if data is not None:
            if existing.is_valid() and new.is_valid() and _save_rows(
                    request, municipality, existing, new, {u.pk: u for u in active}):
                messages.success(request, _("Die Nutzungen von %(name)s sind gespeichert.")
                                 % {"name": municipality.name})
                return redirect("editor_usages", ags=municipality.ags)
        return render(request, "web/editor/usages.html", {
            "municipality": municipality, "existing": existing, "new": new,
            "retired": retired, "today": dt.date.today(),
        }, status=400 if data is not None else 200)
    finally:
        # Once rendered or saved: the forms' BoundField caches are cycles (web.forms).
        existing.release()
        new.release()


def _usage_of(municipality: Municipality, pk: int) -> Usage:
    return get_object_or_404(Usage, pk=pk, municipality=municipality)


@login_required
@require_POST
def usage_confirm(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    municipality = _editable(request, ags)
    usage = _usage_of(municipality, pk)
    services.usage_confirm(actor=request.user, usage=usage)
    messages.success(request, _("„%(software)s“ ist bestätigt.") % {"software": usage.software.name})
    return redirect("editor_dashboard", ags=municipality.ags)


@login_required
@require_POST
def usage_reject(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    """A proposal that is wrong is removed; confirmed entries are edited in the table."""
    municipality = _editable(request, ags)
    usage = _usage_of(municipality, pk)
    if usage.is_confirmed:
        raise PermissionDenied(_("Nur vorgeschlagene Nutzungen können abgelehnt werden."))
    name = usage.software.name
    services.usage_delete(actor=request.user, usage=usage)
    messages.success(request, _("Der Vorschlag „%(software)s“ ist entfernt.") % {"software": name})
    return redirect("editor_dashboard", ags=municipality.ags)


@login_required
def team(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = _editable(request, ags)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = services.municipality_editor_invite(
                actor=request.user, municipality=municipality, email=form.cleaned_data["email"])
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            mail.send_editor_invitation(request, user=user, municipality=municipality,
                                        new_account=created)
            messages.success(request, _("%(email)s kann %(name)s jetzt bearbeiten und hat eine "
                                        "E-Mail erhalten.")
                             % {"email": user.email, "name": municipality.name})
            return redirect("editor_team", ags=municipality.ags)
    return render(request, "web/editor/team.html", {
        "municipality": municipality, "form": form,
        "editors": permissions.municipality_editors(municipality),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def team_revoke(request: HttpRequest, ags: str, user_id: int) -> HttpResponse:
    municipality = _editable(request, ags)
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        services.municipality_editor_revoke(actor=request.user, municipality=municipality,
                                            user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(user)s bearbeitet %(name)s nicht mehr.")
                         % {"user": user.email or user.get_username(), "name": municipality.name})
    return redirect("editor_team", ags=municipality.ags)
