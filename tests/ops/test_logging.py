"""JSON log lines as the configured handler writes them: request id, user, duration, GraphQL."""

import io
import json
import logging
import re

import pytest
from django.test import override_settings

from hub.logs import RequestIdFilter
from tests import factories


@pytest.fixture
def log_lines():
    """What the production log handler (Django's LOGGING, JSON) writes, one dict per line."""
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, RequestIdFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line]
        return lines

    yield read
    handler.setStream(previous)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "hub.access"]


def test_access_line_is_json_with_request_id_user_and_duration(client, db, log_lines):
    user = factories.UserFactory()
    user.save()  # UserFactory sets the password after saving and does not save it again
    client.force_login(user)
    response = client.get("/", {"q": "secret-search"})

    [line] = access_lines(log_lines())
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["view"] == "home"
    assert line["duration_ms"] > 0
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert "secret-search" not in json.dumps(line)  # no query strings in the logs


def test_anonymous_requests_log_no_user(client, db, log_lines):
    client.get("/")
    [line] = access_lines(log_lines())
    assert line["user_id"] is None


def test_callers_request_id_is_kept(client, db, log_lines):
    response = client.get("/", HTTP_X_REQUEST_ID="lb-7f3a:42")
    assert response["X-Request-ID"] == "lb-7f3a:42"
    assert access_lines(log_lines())[0]["request_id"] == "lb-7f3a:42"


@pytest.mark.parametrize("bad", ["two\nlines", "x" * 200, "quote\"s", ""])
def test_unusable_request_ids_are_replaced(client, db, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@override_settings(READINESS_CHECKS=["tests.ops.test_health.check_unreachable_engine"])
def test_lines_written_during_a_request_carry_its_request_id(client, db, log_lines):
    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-1")
    lines = log_lines()
    warning = next(line for line in lines if line["logger"] == "hub.health")
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == response["X-Request-ID"] == "probe-1"


def test_probe_lines_are_debug_so_they_do_not_drown_traffic(client, db, log_lines):
    client.get("/healthz")
    assert access_lines(log_lines()) == []  # logged at DEBUG, below the configured INFO


@pytest.mark.parametrize("body, name", [
    ({"operationName": "MunicipalitySimilar", "query": "query MunicipalitySimilar { x }"},
     "MunicipalitySimilar"),
    ({"query": "  mutation usageCreate($input: X) { y }"}, "usageCreate"),
    ({"query": "{ municipalities { name } }"}, None),
    ([{"operationName": "A", "query": "query A { a }"}, {"query": "query B { b }"}], "A,B"),
    ({"operationName": "bad name; drop", "query": "{ a }"}, None),
])
def test_graphql_operation_name_is_logged(client, db, log_lines, body, name):
    client.post("/graphql", json.dumps(body), content_type="application/json")
    [line] = access_lines(log_lines())
    assert line.get("graphql_operation") == name


def test_graphql_operation_name_from_get_parameters(client, db, log_lines):
    client.get("/graphql/", {"query": "query Q { a }", "operationName": "Q"})
    assert access_lines(log_lines())[0]["graphql_operation"] == "Q"


@override_settings(READINESS_CHECKS=["hub.health.no_such_check"])
def test_failing_probes_are_logged_as_warnings(client, db, log_lines):
    response = client.get("/readyz")
    assert response.status_code == 503  # a check that cannot be imported fails, no 500
    [line] = access_lines(log_lines())
    assert line["level"] == "WARNING"
    assert line["status"] == 503
