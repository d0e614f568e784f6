"""Brute-force protection on every login form (the admin's included) with django-axes.

django-axes counts failed logins per username and client address (see AXES_* in the
settings) and, past the limit, refuses further attempts for a cool-off period, even with
the right password. The lockout page is ours: German or English like the rest of the hub,
HTTP 429 with Retry-After, and a JSON body with a stable error code for API clients.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hub import errors


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' backend, but `authenticate()` without a request is passed on, not refused.

    Upstream raises when no request is given. Such calls do not come from a login form
    (the shell, commands, Django's test client) and cannot be brute-forced over the web;
    refusing them would break every `authenticate(username=…, password=…)` in other code.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_message(minutes: int) -> str:
    return _("Zu viele fehlgeschlagene Anmeldeversuche. Die Anmeldung für dieses Konto ist "
             "von Ihrer Adresse aus für %(minutes)s Minuten gesperrt.") % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a locked-out login attempt."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    message = lockout_message(max(1, round(seconds / 60)))
    if "application/json" in request.headers.get("Accept", "") or request.headers.get(
            "X-Requested-With") == "XMLHttpRequest":
        response: HttpResponse = JsonResponse(
            {"errors": [{"code": errors.LOGIN_LOCKED, "message": message}]}, status=429)
    else:
        response = render(request, "hub/lockout.html",
                          {"message": message, "code": errors.LOGIN_LOCKED}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
