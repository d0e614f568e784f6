"""/healthz and /readyz: JSON, 200/503, no secrets, answered before host and HTTPS checks."""

import socket
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from hub import outbox, serve
from hub.models import OutboxEvent
from tests import factories

applied: list[outbox.Event] = []


def record_events(events):
    """A real outbox consumer: keeps what it was given."""
    applied.extend(events)


def check_unreachable_engine():
    """A readiness check against a port where nothing listens, like a stopped graph engine."""
    with socket.create_connection(("127.0.0.1", serve.free_port()), timeout=2):
        pass
    return True, {}


CONSUMER = "tests.ops.test_health.record_events"


def test_healthz_answers_without_touching_the_database(client):
    # no `db` fixture: any query would raise "Database access not allowed"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_database_up(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["outbox"]["ok"] is True


@override_settings(OUTBOX_CONSUMERS=[CONSUMER], OUTBOX_APPLY_ON_COMMIT=False,
                   READY_OUTBOX_MAX_AGE_SECONDS=60)
def test_readyz_fails_while_a_consumer_lags_and_recovers_when_it_catches_up(client, db):
    factories.MunicipalityFactory(name="Erkrath")
    assert client.get("/readyz").status_code == 200  # fresh events are within the limit
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(minutes=10))

    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is True
    lagging = body["checks"]["outbox"]["detail"]["consumers"][CONSUMER]
    assert lagging["ok"] is False
    assert lagging["pending"] == OutboxEvent.objects.count() > 0
    assert lagging["oldest_age_seconds"] >= 600

    outbox.apply_pending()
    assert {e.entity for e in applied} >= {"municipality"}
    assert client.get("/readyz").status_code == 200


@override_settings(READINESS_CHECKS=["hub.health.check_database",
                                     "tests.ops.test_health.check_unreachable_engine"])
def test_readyz_reports_a_failing_check_by_name_without_details(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    failed = response.json()["checks"]["unreachable_engine"]
    assert failed["ok"] is False
    assert failed["detail"] == {"error": "ConnectionRefusedError"}
    assert "127.0.0.1" not in response.content.decode()


@override_settings(READINESS_CHECKS=["hub.health.check_database",
                                     "tests.ops.test_health.check_unreachable_engine"])
def test_readyz_runs_only_the_requested_checks(client, db):
    response = client.get("/readyz", {"check": "database"})
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database"]


def test_readyz_rejects_unknown_check_names(client, db):
    response = client.get("/readyz", {"check": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "NOT_FOUND"


@override_settings(ALLOWED_HOSTS=["hub.example.de"], SECURE_SSL_REDIRECT=True)
def test_probes_answer_plain_http_with_any_host_header(client, db):
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    # the pages themselves still refuse the unknown host and redirect to https
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    page = client.get("/", HTTP_HOST="hub.example.de")
    assert page.status_code == 301
    assert page["Location"] == "https://hub.example.de/"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_refuse_writes(client, path):
    assert client.post(path).status_code == 405
