"""Helpers for API tests: send GraphQL over real HTTP requests through Django's test client,
as a session user or with a real personal token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from api import services as api_services
from api.models import TokenScope


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas get passwords; PBKDF2's deliberate slowness would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


class Api:
    """POSTs GraphQL to /graphql and returns the decoded JSON body (and the response)."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self.last = None

    def __call__(self, query: str, variables: dict[str, Any] | None = None,
                 language: str | None = None, **headers: str) -> dict[str, Any]:
        extra = dict(self.headers)
        extra.update(headers)
        if language:
            extra["HTTP_ACCEPT_LANGUAGE"] = language
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        self.last = self.client.post("/graphql", json.dumps(body),
                                     content_type="application/json", **extra)
        return self.last.json()


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def api_as(db) -> Callable[..., Api]:
    """api_as(None) anonymous, api_as(user) with a session, api_as(user, scope=...) with a token."""

    def make(user=None, scope: str | None = None) -> Api:
        client = Client()
        if user is None:
            return Api(client)
        if scope is None:
            # UserFactory sets the password after saving and skips the second save; the
            # session's auth hash must match the stored password.
            user.save(update_fields=["password"])
            client.force_login(user)
            return Api(client)
        _token, secret = api_services.api_token_create(actor=user, name=f"test {scope}",
                                                       scope=scope)
        return Api(client, _bearer(secret))

    return make


@pytest.fixture
def api(api_as) -> Api:
    return api_as(None)


@pytest.fixture
def read_token_api(api_as, own_editor) -> Api:
    return api_as(own_editor, scope=TokenScope.READ)


@pytest.fixture
def write_token_api(api_as, own_editor) -> Api:
    return api_as(own_editor, scope=TokenScope.READ_WRITE)


def data_of(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result.get("errors")
    return result["data"]


def codes_of(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]
