"""Clear error pages in German, and in English when asked."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults


def test_404_in_german(client, db):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Seite nicht gefunden" in page and '<html lang="de">' in page
    assert "/gibt-es-nicht/" in page


def test_404_in_english(client, db):
    response = client.get("/gibt-es-nicht/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Page not found" in response.content.decode()


def test_403_explains_and_offers_login(client, scene):
    response = client.get(reverse("editor_dashboard", args=["05158004"]))
    assert response.status_code == 302  # anonymous: login first
    from tests import factories

    client.force_login(factories.UserFactory())
    response = client.get(reverse("editor_dashboard", args=["05158004"]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Kein Zugriff" in page and "Sie bearbeiten diese Kommune nicht." in page


def test_403_in_english(client, scene):
    from tests import factories

    client.force_login(factories.UserFactory())
    response = client.get(reverse("editor_dashboard", args=["05158004"]),
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "Access denied" in response.content.decode()


def test_500_page_is_bilingual_and_needs_no_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = defaults.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Interner Fehler" in page and "Internal error" in page


def test_csrf_failure_page_is_german(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Formular abgelaufen" in response.content.decode()


@pytest.mark.parametrize("path", ["/kommunen/0/", "/software/x/nutzer-fragen/", "/leistungen/999999/",
                                  "/organisationen/nope/", "/kooperationen/nope/"])
def test_unknown_objects_are_404_not_500(client, member, path):
    client.force_login(member)
    assert client.get(path).status_code == 404
