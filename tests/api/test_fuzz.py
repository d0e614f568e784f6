"""Property-based fuzzing of /graphql with queries and mutations generated from the schema
(hypothesis-graphql): valid operations and operations with one schema violation, sent
anonymously and with tokens of each scope, through the real view (Django's test client).

Properties, for every generated operation and persona:
- never a 5xx, never an INTERNAL_ERROR (an unexpected exception in a resolver);
- anonymous clients and vendors never see members-only usages or collaborations, nor the
  email or phone of contacts (sentinel values planted in the data must never appear);
- read-only clients (anonymous, read tokens) never change anything (no outbox event);
- an answer never goes beyond the limits: nesting of the data ≤ API_MAX_DEPTH, no page
  longer than API_MAX_PAGE_SIZE, no more rows than API_MAX_COST.

`make test` tries FUZZ_EXAMPLES operations (default 300, derandomized, so every run sends the
same ones); `make fuzz` sends thousands.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql

from api import services as api_services
from api.models import TokenScope
from api.schema import schema
from hub.models import OutboxEvent, Visibility
from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SECRET_NOTE = "SENTINEL-members-only-note"
SECRET_TITLE = "SENTINEL members-only collaboration"
SECRET_EMAIL = "sentinel.contact@example.org"
SECRET_PHONE = "+49 0000 SENTINEL"
SECRETS = (SECRET_NOTE, SECRET_TITLE, SECRET_EMAIL, SECRET_PHONE)

_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
CUSTOM_SCALARS = {
    "Date": _dates.map(lambda d: nodes.String(d.isoformat()))
    | st.sampled_from(["", "2024-13-40", "gestern"]).map(nodes.String),
    "DateTime": st.datetimes(min_value=dt.datetime(1900, 1, 1), timezones=st.just(dt.UTC))
    .map(lambda d: nodes.String(d.isoformat()))
    | st.sampled_from(["", "2024-01-01T25:00", "now"]).map(nodes.String),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2)
    .map(lambda d: nodes.String(str(d)))
    | st.sampled_from(["1e999", "abc", "-0"]).map(nodes.String),
}
GRAPHQL_SCHEMA = schema.graphql_schema
OPERATIONS = st.one_of(
    gql.queries(GRAPHQL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
    gql.mutations(GRAPHQL_SCHEMA, custom_scalars=CUSTOM_SCALARS),
    gql.from_schema(GRAPHQL_SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=gql.Mode.NEGATIVE),
)
# persona -> (may see members-only data, may write)
PERSONAS = {
    "anonymous": (False, False),
    "vendor_read": (False, False),
    "vendor_write": (False, True),
    "member_read": (True, False),
    "editor_read": (True, False),
    "editor_write": (True, True),
    "moderator_write": (True, True),
}


@pytest.fixture
def planted(world, member, vendor, own_editor, moderator, settings):
    """Members-only data with sentinel values, and a token per persona."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_RATE_LIMIT_ANONYMOUS = "1000000/s"
    settings.API_RATE_LIMIT_AUTHENTICATED = "1000000/s"
    contact = factories.ContactFactory(municipality=world.other, email=SECRET_EMAIL,
                                       phone=SECRET_PHONE)
    factories.UsageFactory(municipality=world.other, visibility=Visibility.MEMBERS,
                           notes=SECRET_NOTE, contact=contact)
    factories.UsageFactory(municipality=world.own, contact=contact)
    from hub.models import Collaboration

    Collaboration.objects.create(title=SECRET_TITLE, slug="geheim", topic="ozg",
                                 lead_municipality=world.other,
                                 visibility=Visibility.MEMBERS)
    owners = {"vendor": vendor, "member": member, "editor": own_editor,
              "moderator": moderator}
    headers = {"anonymous": {}}
    for persona in PERSONAS:
        if persona == "anonymous":
            continue
        who, scope = persona.split("_")
        _token, secret = api_services.api_token_create(
            actor=owners[who], name=persona,
            scope=TokenScope.READ_WRITE if scope == "write" else TokenScope.READ)
        headers[persona] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    return headers


def _depth(value) -> int:
    """Nesting of objects in a GraphQL answer: one level per selected object field."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0)
    return 0


def _pages(value, found: list[int]) -> list[int]:
    """Lengths of every `edges` list in the answer."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "edges" and isinstance(child, list):
                found.append(len(child))
            _pages(child, found)
    elif isinstance(value, list):
        for child in value:
            _pages(child, found)
    return found


def check_operation(client: Client, headers: dict[str, str], persona: str, query: str) -> None:
    sees_members, writes = PERSONAS[persona]
    events_before = OutboxEvent.objects.count()
    response = client.post("/graphql", json.dumps({"query": query}),
                           content_type="application/json", **headers)
    assert response.status_code < 500, (persona, query, response.content[:500])
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]
    assert "INTERNAL_ERROR" not in codes, (persona, query, body["errors"])
    text = response.content.decode()
    if not sees_members:
        leaked = [s for s in SECRETS if s in text]
        assert not leaked, (persona, query, leaked)
    if not writes:
        assert OutboxEvent.objects.count() == events_before, (persona, query)
    data = body.get("data")
    if data and "__schema" not in query and "__type" not in query:
        assert _depth(data) <= django_settings.API_MAX_DEPTH, (persona, query)
        pages = _pages(data, [])
        assert max(pages, default=0) <= django_settings.API_MAX_PAGE_SIZE, (persona, query)
        assert sum(pages) <= django_settings.API_MAX_COST, (persona, query)


@pytest.mark.django_db(transaction=False)
def test_generated_operations_never_fail_leak_or_exceed_limits(planted):
    client = Client()
    tried = []

    @hypothesis_settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @given(operation=OPERATIONS, persona=st.sampled_from(sorted(PERSONAS)))
    def run(operation: str, persona: str) -> None:
        tried.append(operation)
        check_operation(client, planted[persona], persona, operation)

    run()
    print(f"\nGraphQL fuzzing: {len(tried)} generated operations tried")
    assert len(tried) >= min(EXAMPLES, 50)
