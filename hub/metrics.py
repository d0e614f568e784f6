"""Prometheus metrics at /metrics: requests, discovery latencies, outbox backlog and sync lag.

Why prometheus_client's multiprocess mode: gunicorn runs several worker processes and a
scrape reaches only one of them. With PROMETHEUS_MULTIPROC_DIR set (the serve supervisor
and hub.gunicorn_conf set it), every process writes its counters to files in that
directory and a scrape sums them. Without it (runserver, tests) the process-local
registry is used.

The outbox figures are not counted anywhere: they are read from the database when
Prometheus scrapes, so they are right no matter which process applied the events.

For other packages: `observe_discovery(name, seconds)` or `with discovery_timer(name):`
(also a decorator) record a graph discovery query's latency.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.context_managers import Timer
from prometheus_client.core import GaugeMetricFamily, Metric

from hub import errors

logger = logging.getLogger(__name__)

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DISCOVERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

http_requests = Counter(
    "kommunalhub_http_requests", "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"])
http_request_duration = Histogram(
    "kommunalhub_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it.",
    ["view", "method", "status"], buckets=REQUEST_BUCKETS)
discovery_duration = Histogram(
    "kommunalhub_discovery_duration_seconds", "Latency of graph discovery queries, by query.",
    ["query"], buckets=DISCOVERY_BUCKETS)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    # Labels stay bounded: view names come from the URLconf, unknown methods fold into one.
    labels = {"view": view, "method": method if method in METHODS else "other",
              "status": str(status)}
    http_requests.labels(**labels).inc()
    http_request_duration.labels(**labels).observe(seconds)


def observe_discovery(name: str, seconds: float) -> None:
    """Record one discovery query's latency; `name` is the query's constant name."""
    discovery_duration.labels(query=name).observe(seconds)


def discovery_timer(name: str) -> Timer:
    """`with discovery_timer("MATCH_SIMILAR"):` or `@discovery_timer("MATCH_SIMILAR")`."""
    return discovery_duration.labels(query=name).time()


class OutboxCollector:
    """Backlog, oldest pending age and sync lag per outbox consumer, read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        try:
            rows = _outbox_rows()
        except Exception as exc:  # noqa: BLE001 - a scrape must still show the other metrics
            logger.warning("outbox metrics unavailable: %s", exc)
            up = GaugeMetricFamily("kommunalhub_outbox_scrape_ok",
                                   "1 when the outbox figures could be read from the database.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("kommunalhub_outbox_scrape_ok",
                               "1 when the outbox figures could be read from the database.")
        up.add_metric([], 1)
        yield up
        families = {
            "pending": GaugeMetricFamily(
                "kommunalhub_outbox_pending_events", "Events the consumer has not applied yet.",
                labels=["consumer"]),
            "oldest_age_seconds": GaugeMetricFamily(
                "kommunalhub_outbox_oldest_pending_age_seconds",
                "Age of the oldest event the consumer has not applied; 0 when caught up.",
                labels=["consumer"]),
            "failures": GaugeMetricFamily(
                "kommunalhub_outbox_consumer_failures",
                "Consecutive failed batches of the consumer; 0 when its last batch succeeded.",
                labels=["consumer"]),
            "sync_lag_seconds": GaugeMetricFamily(
                "kommunalhub_outbox_sync_lag_seconds",
                "Time between the commit of the last applied event and its application.",
                labels=["consumer"]),
        }
        for name, row in rows.items():
            for key, family in families.items():
                if row.get(key) is not None:
                    family.add_metric([name], row[key])
        yield from families.values()


def _outbox_rows() -> dict[str, dict]:
    from hub import outbox
    from hub.models import OutboxCursor, OutboxEvent

    rows = outbox.backlog()
    cursors = {c.consumer: c for c in OutboxCursor.objects.filter(consumer__in=list(rows))}
    applied = dict(OutboxEvent.objects.filter(
        id__in=[c.last_event_id for c in cursors.values()]).values_list("id", "created_at"))
    for name, row in rows.items():
        cursor = cursors.get(name)
        row["failures"] = cursor.failures if cursor else 0
        created = applied.get(cursor.last_event_id) if cursor else None
        # updated_at is the time of the last successful batch only while nothing failed since.
        if created and cursor.failures == 0:
            row["sync_lag_seconds"] = max((cursor.updated_at - created).total_seconds(), 0.0)
    return rows


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The text a scrape receives: every process's metrics plus the outbox figures."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(OutboxCollector())
    return generate_latest(registry)


def scrape_allowed(request: HttpRequest) -> bool:
    """A configured bearer token, or a client address in METRICS_ALLOWED_IPS.

    METRICS_TOKEN may hold several comma-separated tokens while one is being rotated."""
    tokens = [t.strip() for t in settings.METRICS_TOKEN.split(",") if t.strip()]
    header = request.headers.get("Authorization", "")
    if tokens and header.startswith("Bearer "):
        given = header[len("Bearer "):].strip().encode()
        # compare with every token, so the answer's timing does not tell which one matched
        return any([hmac.compare_digest(given, token.encode()) for token in tokens])
    from hub.observability import client_ip

    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS: %r is not an address or network", allowed)
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        response = JsonResponse({"errors": [{
            "code": errors.PERMISSION_DENIED,
            "message": _("Zugriff auf die Metriken nur von freigegebenen Adressen oder mit Token."),
        }]}, status=403)
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
