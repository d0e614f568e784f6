"""Personal API tokens and sessions: hashed storage, Bearer authentication, scopes, expiry,
revocation, last use; CSRF for sessions; GraphiQL for signed-in people."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from api import auth, selectors, services
from api.models import ApiToken, TokenScope
from tests import factories
from tests.api.conftest import Api, codes_of, data_of

VIEWER = "{ viewer { username tokenScope } }"


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_is_stored_hashed_and_shown_once(own_editor):
    token, secret = services.api_token_create(actor=own_editor, name="Dashboard")
    assert secret.startswith("khub_") and len(secret) > 40
    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.digest, stored.prefix, stored.name}
    assert secret.startswith(stored.prefix) and len(stored.prefix) < 16
    assert stored.scope == TokenScope.READ  # least privilege unless asked


def test_bearer_token_authenticates_as_its_owner_and_records_last_use(own_editor):
    token, secret = services.api_token_create(actor=own_editor, name="rw",
                                              scope=TokenScope.READ_WRITE)
    api = Api(Client(), bearer(secret))
    assert data_of(api(VIEWER))["viewer"] == {"username": "own_editor",
                                              "tokenScope": "READ_WRITE"}
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    data_of(api(VIEWER))
    token.refresh_from_db()
    assert token.last_used_at == first_use  # written at most once a minute


@pytest.mark.parametrize("case, code", [("revoked", "INVALID_TOKEN"), ("expired", "TOKEN_EXPIRED"),
                                        ("unknown", "INVALID_TOKEN"), ("inactive", "INVALID_TOKEN"),
                                        ("malformed", "INVALID_TOKEN")])
def test_unusable_tokens_are_refused_with_401(own_editor, case, code):
    token, secret = services.api_token_create(actor=own_editor, name="t")
    header = bearer(secret)
    if case == "revoked":
        services.api_token_revoke(actor=own_editor, token=token)
    elif case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    elif case == "unknown":
        header = bearer(auth.new_secret())
    elif case == "inactive":
        own_editor.is_active = False
        own_editor.save()
    else:
        header = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    api = Api(Client(), header)
    result = api(VIEWER)
    assert api.last.status_code == 401
    assert codes_of(result) == [code]
    assert api.last["WWW-Authenticate"].startswith("Bearer")


def test_token_messages_follow_the_request_language(own_editor):
    api = Api(Client(), bearer(auth.new_secret()))
    assert api(VIEWER, language="en")["errors"][0]["message"] == (
        "The API token is unknown or has been revoked.")
    assert api(VIEWER, language="de")["errors"][0]["message"] == (
        "Der API-Token ist unbekannt oder wurde widerrufen.")


def test_read_token_may_not_write(read_token_api, world):
    result = read_token_api('mutation { municipalityUpdate(input: {id: "05158004", '
                            'description: "x"}) { errors { code } } }', language="en")
    assert codes_of(result) == ["PERMISSION_DENIED"]
    assert result["errors"][0]["message"] == "This API token may only read."


def test_only_the_owner_or_a_moderator_revokes(own_editor, other_editor, moderator):
    token, _secret = services.api_token_create(actor=own_editor, name="t")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=other_editor, token=token)
    services.api_token_revoke(actor=moderator, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_expiry_must_lie_in_the_future(own_editor):
    with pytest.raises(ValidationError):
        services.api_token_create(actor=own_editor, name="t",
                                  expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert not ApiToken.objects.exists()


def test_anonymous_cannot_create_tokens(db, anonymous):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=anonymous, name="t")


def test_token_list_shows_only_own_tokens(own_editor, other_editor):
    services.api_token_create(actor=own_editor, name="mine")
    services.api_token_create(actor=other_editor, name="theirs")
    assert [t.name for t in selectors.api_token_list(user=own_editor)] == ["mine"]


def test_token_does_not_open_the_admin(moderator):
    _token, secret = services.api_token_create(actor=moderator, name="t")
    response = Client().get("/admin/", **bearer(secret))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_session_posts_need_the_csrf_token_but_token_posts_do_not(own_editor):
    own_editor.save(update_fields=["password"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(own_editor)
    body = json.dumps({"query": VIEWER})
    refused = browser.post("/graphql", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    browser.get("/graphql", {"query": VIEWER})  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    allowed = browser.post("/graphql", body, content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf)
    assert allowed.json()["data"]["viewer"]["username"] == "own_editor"
    _token, secret = services.api_token_create(actor=own_editor, name="t")
    tool = Client(enforce_csrf_checks=True)
    response = tool.post("/graphql", body, content_type="application/json", **bearer(secret))
    assert response.json()["data"]["viewer"]["username"] == "own_editor"


def test_graphiql_for_signed_in_people_and_in_debug(client, member, settings):
    anonymous = client.get("/graphql", HTTP_ACCEPT="text/html")
    assert "graphiql" not in anonymous.content.decode().lower()
    settings.DEBUG = True
    assert "graphiql" in client.get("/graphql", HTTP_ACCEPT="text/html").content.decode().lower()
    settings.DEBUG = False
    member.save(update_fields=["password"])
    client.force_login(member)
    response = client.get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and "graphiql" in response.content.decode().lower()


def test_get_queries_work_and_get_mutations_are_refused(client, world):
    ok = client.get("/graphql", {"query": '{ municipality(ags: "05158004") { name } }'})
    assert ok.json() == {"data": {"municipality": {"name": "Erkrath"}}}
    refused = client.get("/graphql", {"query": "mutation { usageDelete(input: {id: \"x\"}) "
                                               "{ deletedId } }"})
    assert refused.status_code == 405


def test_staff_create_their_token_in_the_admin_and_see_the_secret_once(client, moderator):
    moderator.save(update_fields=["password"])
    client.force_login(moderator)
    response = client.post("/admin/api/apitoken/add/", {
        "name": "Skript", "scope": TokenScope.READ_WRITE, "expires_at_0": "",
        "expires_at_1": ""}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    secret = next(word for text in shown for word in text.split() if word.startswith("khub_"))
    token = ApiToken.objects.get()
    assert (token.user, token.scope, token.digest) == (moderator, TokenScope.READ_WRITE,
                                                        auth.digest(secret))
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert token.prefix in listing and secret not in listing


def test_staff_see_only_their_own_tokens_in_the_admin(client, moderator):
    staff = factories.UserFactory(username="staff", is_staff=True)
    staff.save(update_fields=["password"])
    services.api_token_create(actor=moderator, name="fremder-token")
    services.api_token_create(actor=staff, name="eigener-token")
    client.force_login(staff)
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert "eigener-token" in listing and "fremder-token" not in listing
