import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories


def test_home_is_german_with_attribution(client, world):
    factories.UsageFactory(municipality=world.own)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Kommunen teilen Lösungen" in html
    assert "dl-de/by-2-0" in html


def test_home_switches_to_english(client, world):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize("model", [m for m in admin.site._registry if m._meta.app_label == "hub"],
                         ids=lambda m: m._meta.model_name)
def test_admin_changelist_and_add_render(admin_client, world, model):
    factories.UsageFactory(municipality=world.own)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Erk"}).status_code == 200


def test_admin_shows_usage_history(admin_client, world):
    usage = factories.UsageFactory(municipality=world.own)
    usage.notes = "geändert"
    usage.save()
    url = reverse("admin:hub_usage_history", args=[usage.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "geändert" in response.content.decode() or response.context["historical_records"]


def test_admin_added_usage_stays_proposed(admin_client, world):
    software = factories.SoftwareFactory()
    response = admin_client.post(reverse("admin:hub_usage_add"), {
        "municipality": world.own.pk, "software": software.pk, "status": "production",
        "visibility": "public", "source": "self_declared",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    usage = world.own.usages.get()
    assert not usage.is_confirmed
    assert usage.source == "moderator"
