"""Security headers, TLS settings driven by HTTPS=1, and the login lockout (django-axes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, override_settings

from tests import factories

BASE_DIR = Path(settings.BASE_DIR)
TLS_SETTINGS = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CONTENT_SECURITY_POLICY",
                "SECRET_KEY_FALLBACKS"]


def settings_under(**env: str) -> dict:
    """The TLS-related settings as production would load them with this environment."""
    code = ("import json; from django.conf import settings; print(json.dumps({k: getattr("
            f"settings, k) for k in {TLS_SETTINGS!r}}}, default=str))")
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings", "DEBUG": "0",
             "SECRET_KEY": "s" * 60, "LOG_LEVEL": "ERROR", **env})
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_send_a_strict_content_security_policy(client, db):
    response = client.get("/")
    csp = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_pages_send_frame_referrer_and_sniffing_policies(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_plain_http_stack_gets_no_redirect_no_hsts_and_usable_cookies(client, db):
    plain = settings_under()
    assert plain["SECURE_SSL_REDIRECT"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0
    assert plain["SESSION_COOKIE_SECURE"] is False
    with override_settings(**{k: v for k, v in plain.items() if k != "CONTENT_SECURITY_POLICY"}):
        response = client.get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert "upgrade-insecure-requests" not in response["Content-Security-Policy"]


def test_declared_https_turns_on_redirect_hsts_and_secure_cookies(client, db):
    tls = settings_under(HTTPS="1")
    assert tls["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True
    with override_settings(**tls):
        redirect = client.get("/")
        assert redirect.status_code == 301
        assert redirect["Location"] == "https://testserver/"
        response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"] is True
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]


def test_rotated_secret_key_keeps_sessions_while_the_old_one_is_a_fallback(db):
    rotated = settings_under(SECRET_KEY_FALLBACKS="old-key-1, old-key-2")
    assert rotated["SECRET_KEY_FALLBACKS"] == ["old-key-1", "old-key-2"]
    old, new = "old-key-" + "x" * 50, "new-key-" + "y" * 50
    user = factories.UserFactory()
    user.save()
    active, away = Client(), Client()
    with override_settings(SECRET_KEY=old):
        active.force_login(user)
        away.force_login(user)
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old]):
        # still logged in; Django re-signs the session with the new key on this visit
        assert active.get("/").context["user"] == user
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[]):
        assert active.get("/").context["user"] == user
        # a session not used during the fallback period ends when the fallback is removed
        assert not away.get("/").context["user"].is_authenticated


# -- login lockout ----------------------------------------------------------------------------

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def staff(db, settings):
    # a fast hasher: each of these tests checks a password a dozen times
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = factories.UserFactory(username="kdn-admin", is_staff=True, is_superuser=True)
    user.save()  # UserFactory sets the password after saving and does not save it again
    return user


def admin_login(client, password, **extra):
    return client.post("/admin/login/?next=/admin/",
                       {"username": "kdn-admin", "password": password}, **extra)


def test_admin_login_locks_after_repeated_failures(client, staff):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert admin_login(client, "wrong").status_code == 200  # the form again, with an error
    locked = admin_login(client, "wrong")
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in locked.content.decode()
    assert locked["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    # locked: even the right password is refused now, and nobody is logged in
    assert admin_login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "wrong", REMOTE_ADDR="198.51.100.7")
    assert admin_login(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    elsewhere = admin_login(client, PASSWORD, REMOTE_ADDR="198.51.100.8")
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/admin/"


def test_lockout_counts_the_client_behind_a_trusted_proxy(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    # another user of the same proxy is not locked out
    other = admin_login(client, PASSWORD, REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302


def test_lockout_message_in_english_and_as_json(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, "wrong")
    english = admin_login(client, "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert "Too many failed login attempts" in english.content.decode()
    as_json = admin_login(client, "wrong", HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429
    assert as_json.json()["errors"][0]["code"] == "LOGIN_LOCKED"


def test_successful_login_resets_the_failure_count(client, staff):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        admin_login(client, "wrong")
    assert admin_login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert admin_login(client, "wrong").status_code == 200
    assert admin_login(client, PASSWORD).status_code == 302


def test_authenticate_outside_a_request_still_works(client, staff):
    assert authenticate(username="kdn-admin", password=PASSWORD) == staff
    assert client.login(username="kdn-admin", password=PASSWORD)
