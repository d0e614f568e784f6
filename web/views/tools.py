"""Editors' tools: personal API tokens (api.services) and the CSV inventory upload of a
municipality (exchange.inventory) with a dry-run preview before anything is written.

The uploaded file waits between preview and apply in VAR_DIR/uploads under a random name
that only the uploader's session knows; applying runs the same import again for real, so
what is written is what the (fresh) preview would show."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import selectors as api_selectors
from api import services as api_services
from api.models import TokenScope
from exchange import inventory
from hub import permissions, selectors
from hub.models import Municipality

SESSION_KEY = "web:inventory-upload"


# --- API tokens ---

@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    secret = None
    errors: list[str] = []
    if request.method == "POST":
        try:
            token, secret = api_services.api_token_create(
                actor=request.user, name=request.POST.get("name", "").strip()[:100],
                scope=request.POST.get("scope", TokenScope.READ))
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(request, _("Token „%(name)s“ angelegt.") % {"name": token.name})
    return render(request, "web/tools/api_tokens.html", {
        "tokens": list(api_selectors.api_token_list(user=request.user)),
        "secret": secret, "errors": errors, "scopes": TokenScope.choices,
    }, status=400 if errors else 200)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_selectors.api_token_list(user=request.user), pk=pk)
    api_services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token „%(name)s“ widerrufen.") % {"name": token.name})
    return redirect("api_tokens")


# --- inventory upload ---

def _recordable(request: HttpRequest, ags: str) -> Municipality:
    municipality = selectors.municipality_get(ags=ags)
    if municipality is None:
        raise Http404
    if not permissions.can_record_usage(request.user, municipality):
        raise PermissionDenied(_("Sie dürfen für diese Kommune keine Nutzungen erfassen."))
    return municipality


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _pending(request: HttpRequest, ags: str) -> tuple[Path, str] | None:
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("ags") != ags:
        return None
    path = _upload_dir() / f"{stored['token']}.csv"
    return (path, stored["filename"]) if path.exists() else None


@login_required
def inventory_upload(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = _recordable(request, ags)
    report = None
    if request.method == "POST" and request.FILES.get("datei"):
        upload = request.FILES["datei"]
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        report = inventory.inventory_import(actor=request.user, municipality=municipality,
                                            data=data, filename=upload.name, dry_run=True)
        if report.ok:
            token = secrets.token_urlsafe(16)
            (_upload_dir() / f"{token}.csv").write_bytes(data)
            request.session[SESSION_KEY] = {"ags": ags, "token": token, "filename": upload.name}
    elif request.method == "POST":
        messages.error(request, _("Bitte eine CSV-Datei auswählen."))
    return render(request, "web/tools/inventory_upload.html", {
        "municipality": municipality, "report": report,
        "can_apply": bool(report and report.ok and _pending(request, ags)),
    }, status=400 if report is not None and not report.ok else 200)


@login_required
@require_POST
def inventory_apply(request: HttpRequest, ags: str) -> HttpResponse:
    municipality = _recordable(request, ags)
    pending = _pending(request, ags)
    if pending is None:
        messages.error(request, _("Keine geprüfte Datei vorhanden. Bitte erneut hochladen."))
        return redirect("inventory_upload", ags=ags)
    path, filename = pending
    report = inventory.inventory_import(actor=request.user, municipality=municipality,
                                        data=path.read_bytes(), filename=filename, dry_run=False)
    path.unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)
    if report.applied:
        messages.success(request, report.summary())
        return redirect("editor_dashboard", ags=ags)
    return render(request, "web/tools/inventory_upload.html", {
        "municipality": municipality, "report": report, "can_apply": False}, status=400)


@login_required
def inventory_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(inventory.inventory_template(lang=request.LANGUAGE_CODE[:2]),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="inventar-vorlage.csv"'
    return response


