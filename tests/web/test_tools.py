"""Editors' tools through Django's test client: API tokens (secret shown once, list, revoke)
and the CSV inventory upload with a dry-run preview before anything is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api import auth
from api.models import ApiToken
from hub.models import Usage
from tests.web.test_pages import html

CSV = ("Produkt;Hersteller;Kategorie;Status;seit;Leistungen;betrieben von;Zufriedenheit;"
       "Anmerkungen;Sichtbarkeit\n"
       "ALLRIS;;Ratsinformationssystem;im Einsatz;2019;;;4;;öffentlich\n")


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_token_secret_is_shown_once_and_only_its_digest_kept(client, member):
    client.force_login(member)
    page = html(client.post(reverse("api_tokens"), {"name": "Dashboard", "scope": "read"}))
    secret = page.split('id="new-secret"', 1)[1].split("<code>", 1)[1].split("</code>", 1)[0]
    token = ApiToken.objects.get(user=member)
    assert token.digest == auth.digest(secret) and secret not in token.digest
    page = html(client.get(reverse("api_tokens")))
    assert "Dashboard" in page and secret not in page and token.prefix in page


def test_token_can_be_revoked_by_its_owner_only(client, member, own_editor):
    client.force_login(member)
    client.post(reverse("api_tokens"), {"name": "Skript", "scope": "read"})
    token = ApiToken.objects.get(user=member)
    client.force_login(own_editor)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    client.force_login(member)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "widerrufen" in html(client.get(reverse("api_tokens")))


def test_token_page_needs_a_login(client, db):
    assert client.get(reverse("api_tokens")).status_code == 302


def test_upload_previews_then_applies(client, scene, own_editor, world):
    client.force_login(own_editor)
    url = reverse("inventory_upload", args=[world.own.ags])
    page = html(client.post(url, {"datei": SimpleUploadedFile("inventar.csv", CSV.encode())}))
    assert "Probelauf" in page and "Übernehmen" in page
    assert not Usage.objects.filter(municipality=world.own, software=scene.other_ris).exists()
    response = client.post(reverse("inventory_apply", args=[world.own.ags]))
    assert response.status_code == 302
    assert Usage.objects.filter(municipality=world.own, software=scene.other_ris).exists()


def test_upload_with_errors_shows_rows_and_offers_no_apply(client, scene, own_editor, world):
    client.force_login(own_editor)
    bad = CSV.replace("im Einsatz", "vielleicht")
    response = client.post(reverse("inventory_upload", args=[world.own.ags]),
                           {"datei": SimpleUploadedFile("inventar.csv", bad.encode())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Zeile 2" in page and "Übernehmen" not in page
    assert client.post(reverse("inventory_apply", args=[world.own.ags])).status_code == 302


def test_upload_refused_for_editors_of_another_municipality(client, scene, other_editor, world):
    client.force_login(other_editor)
    assert client.get(reverse("inventory_upload", args=[world.own.ags])).status_code == 403


def test_template_download_is_csv(client, own_editor):
    client.force_login(own_editor)
    response = client.get(reverse("inventory_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("Produkt;Hersteller")


def test_dashboard_links_upload_and_tokens(client, own_editor, world):
    client.force_login(own_editor)
    page = html(client.get(reverse("editor_dashboard", args=[world.own.ags])))
    assert reverse("inventory_upload", args=[world.own.ags]) in page
    assert reverse("api_tokens") in page
