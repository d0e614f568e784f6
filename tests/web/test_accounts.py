"""Login, logout and password reset by e-mail, with our German templates."""

import re

from django.core import mail
from django.urls import reverse


def test_login_page_has_labelled_fields(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username"' in page and '<label for="id_password"' in page
    assert "Passwort vergessen?" in page


def test_login_and_logout(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "pw-for-tests-1",
                                               "next": "/software/"})
    assert response.status_code == 302 and response["Location"] == "/software/"
    page = client.get("/").content.decode()
    assert "Abmelden" in page and "member" in page
    assert client.post(reverse("logout")).status_code == 302
    assert "Anmelden" in client.get("/").content.decode()


def test_wrong_password_is_a_german_error(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "falsch"})
    assert response.status_code == 200
    assert "Beide Felder berücksichtigen die Groß-/Kleinschreibung" in response.content.decode()


def test_login_rejects_foreign_redirects(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "pw-for-tests-1",
                                               "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_password_reset_by_email(client, member):
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Kommunalhub] Neues Passwort setzen"
    link = re.search(r"https?://\S+/konto/passwort-setzen/\S+", message.body).group(0)
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "noch-ein-langes-passwort", "new_password2": "noch-ein-langes-passwort"})
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="member", password="noch-ein-langes-passwort")


def test_password_reset_for_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.org"})
    assert response.status_code == 302 and not mail.outbox


def test_used_reset_link_is_explained(client, member):
    page = client.get(reverse("password_reset_confirm", args=["MQ", "falsch"]), follow=True)
    assert "ungültig oder abgelaufen" in page.content.decode()


def test_password_change_needs_login(client, member):
    assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))
    client.force_login(member)
    assert client.get(reverse("password_change")).status_code == 200
