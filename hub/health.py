"""Health endpoints for load balancers and monitoring: /healthz (alive) and /readyz (ready).

/healthz answers without touching anything: the process serves requests. /readyz runs the
readiness checks listed in settings.READINESS_CHECKS, dotted paths to callables returning
`(ok, detail)`; a package adds its own check with one line in the settings (the graph
engine, the search index). A check that raises counts as failed.

Why the details are small and fixed: the answer is public (probes send no credentials), so
it names checks, counts and durations, never hosts, URLs, error texts or versions.
`/readyz?check=database` runs only the named checks, for a load balancer that should route
by the database alone while monitoring watches the full answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from hub import errors

logger = logging.getLogger(__name__)

Check = Callable[[], tuple[bool, Any]]


def check_database() -> tuple[bool, dict]:
    """The source of truth answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, {"vendor": connection.vendor}


def check_outbox() -> tuple[bool, dict]:
    """Every projection has applied the events older than READY_OUTBOX_MAX_AGE_SECONDS.

    A consumer that has fallen that far behind (graph engine down, worker stopped) makes the
    hub not ready: its discovery and search answers are stale."""
    from hub import outbox

    limit = settings.READY_OUTBOX_MAX_AGE_SECONDS
    consumers = {}
    for name, info in outbox.backlog().items():
        age = info["oldest_age_seconds"]
        consumers[name] = {"ok": age <= limit, "pending": info["pending"],
                           "oldest_age_seconds": round(age, 1),
                           "failing": bool(info["last_error"])}
    ok = all(c["ok"] for c in consumers.values())
    return ok, {"max_age_seconds": limit, "consumers": consumers}


def check_name(path: str) -> str:
    """`hub.health.check_database` -> `database`."""
    name = path.rsplit(".", 1)[-1]
    return name.removeprefix("check_")


def run_check(path: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        ok, detail = import_string(path)()
    except Exception as exc:  # noqa: BLE001 - a broken dependency is a failed check, not a 500
        logger.warning("readiness check %s failed: %s", path, exc)
        ok, detail = False, {"error": type(exc).__name__}
    return {"ok": bool(ok), "detail": detail,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)}


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {check_name(path): path for path in settings.READINESS_CHECKS}
    wanted = request.GET.getlist("check") or list(checks)
    unknown = sorted(set(wanted) - set(checks))
    if unknown:
        return _no_store(JsonResponse({"errors": [{
            "code": errors.NOT_FOUND,
            "message": _("Unbekannte Prüfung: %(names)s") % {"names": ", ".join(unknown)},
        }]}, status=400))
    results = {name: run_check(checks[name]) for name in checks if name in wanted}
    ok = all(result["ok"] for result in results.values())
    return _no_store(JsonResponse({"status": "ok" if ok else "fail", "checks": results},
                                  status=200 if ok else 503))
