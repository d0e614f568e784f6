"""/metrics: Prometheus text, only for allowed addresses or with the token; what it counts."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hub import metrics, outbox
from hub.models import OutboxEvent
from tests import factories

CONSUMER = "tests.ops.test_health.record_events"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples}


def sample(samples, name, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def test_metrics_are_open_to_loopback(client, db):
    samples = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert sample(samples, "kommunalhub_outbox_scrape_ok") == 1.0


def test_metrics_are_refused_to_other_addresses(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "PERMISSION_DENIED"
    assert "kommunalhub_" not in response.content.decode()


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_metrics_are_open_to_a_configured_network(client, db):
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(METRICS_TOKEN="a-long-random-metrics-token")
def test_metrics_accept_the_bearer_token_from_anywhere(client, db):
    scrape(client, REMOTE_ADDR="203.0.113.9",
           HTTP_AUTHORIZATION="Bearer a-long-random-metrics-token")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                       HTTP_AUTHORIZATION="Bearer guessed")
    assert wrong.status_code == 403
    assert wrong["WWW-Authenticate"].startswith("Bearer")


@override_settings(METRICS_TOKEN="old-metrics-token, new-metrics-token")
def test_metrics_accept_old_and_new_token_while_rotating(client, db):
    for token in ("old-metrics-token", "new-metrics-token"):
        scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_metrics_see_through_a_local_proxy_to_the_real_client(client, db):
    # nginx on the same host connects from loopback; the client behind it is public
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1",
                          HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client, db):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                          HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_requests_are_counted_per_view_method_and_status(client, db):
    labels = {"view": "home", "method": "GET", "status": "200"}
    before = sample(scrape(client), "kommunalhub_http_requests_total", **labels) or 0
    client.get("/")
    client.get("/")
    client.get("/does-not-exist")
    samples = scrape(client)
    assert sample(samples, "kommunalhub_http_requests_total", **labels) == before + 2
    assert sample(samples, "kommunalhub_http_request_duration_seconds_count", **labels) == before + 2
    assert sample(samples, "kommunalhub_http_requests_total",
                  view="unmatched", method="GET", status="404") >= 1


@override_settings(OUTBOX_CONSUMERS=[CONSUMER], OUTBOX_APPLY_ON_COMMIT=False)
def test_outbox_backlog_and_sync_lag_are_read_at_scrape_time(client, db):
    factories.MunicipalityFactory()
    factories.SoftwareFactory()
    waiting = OutboxEvent.objects.count()
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=90))

    samples = scrape(client)
    assert sample(samples, "kommunalhub_outbox_pending_events", consumer=CONSUMER) == waiting
    assert sample(samples, "kommunalhub_outbox_oldest_pending_age_seconds",
                  consumer=CONSUMER) >= 90

    outbox.apply_pending()
    samples = scrape(client)
    assert sample(samples, "kommunalhub_outbox_pending_events", consumer=CONSUMER) == 0
    assert sample(samples, "kommunalhub_outbox_oldest_pending_age_seconds", consumer=CONSUMER) == 0
    assert sample(samples, "kommunalhub_outbox_consumer_failures", consumer=CONSUMER) == 0
    assert 90 <= sample(samples, "kommunalhub_outbox_sync_lag_seconds", consumer=CONSUMER) < 300


def test_discovery_latencies_are_recorded(client, db):
    before = sample(scrape(client), "kommunalhub_discovery_duration_seconds_count",
                    query="MATCH_SIMILAR") or 0
    metrics.observe_discovery("MATCH_SIMILAR", 0.02)
    with metrics.discovery_timer("MATCH_SIMILAR"):
        pass

    @metrics.discovery_timer("MATCH_SIMILAR")
    def discover():
        return [1, 2]

    assert discover() == [1, 2]
    samples = scrape(client)
    assert sample(samples, "kommunalhub_discovery_duration_seconds_count",
                  query="MATCH_SIMILAR") == before + 3
    assert sample(samples, "kommunalhub_discovery_duration_seconds_bucket",
                  query="MATCH_SIMILAR", le="0.025") >= before + 3
