"""'Meine Kommune': who may enter, the usages table form, confirmations and the team."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub import permissions
from hub.models import Usage, UsageSource
from tests import factories

AGS = "05158004"


def usages_url(ags=AGS):
    return reverse("editor_usages", args=[ags])


def table_post(client, usages, changes=None, new=None, delete=()):
    """The form as the browser would submit it: every row with its current values, then the
    changes on top."""
    response = client.get(usages_url())
    assert response.status_code == 200
    data = {}
    existing = response.context["existing"]
    new_set = response.context["new"]
    for key, value in existing.management_form.initial.items():
        data[f"nutzung-{key}"] = value
    for key, value in new_set.management_form.initial.items():
        data[f"neu-{key}"] = value
    for i, form in enumerate(existing.forms):
        for name, value in form.initial.items():
            data[f"nutzung-{i}-{name}"] = "" if value is None else str(value)
        usage = form.usage
        for field, value in (changes or {}).get(usage.software.slug, {}).items():
            data[f"nutzung-{i}-{field}"] = value
        if usage.software.slug in delete:
            data[f"nutzung-{i}-delete"] = "on"
    for i, row in enumerate(new or []):
        for field, value in row.items():
            data[f"neu-{i}-{field}"] = value
    return client.post(usages_url(), data)


@pytest.mark.parametrize("name,args", [
    ("editor_dashboard", [AGS]), ("editor_usages", [AGS]), ("editor_team", [AGS])])
def test_anonymous_is_sent_to_login(client, scene, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["member", "other_editor", "provider_editor", "vendor"])
@pytest.mark.parametrize("name", ["editor_dashboard", "editor_usages", "editor_team"])
def test_others_get_a_german_403(client, scene, request, persona, name):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=[AGS]))
    assert response.status_code == 403
    assert "Kein Zugriff" in response.content.decode()


@pytest.mark.parametrize("persona", ["own_editor", "moderator"])
def test_editor_and_moderator_may_enter(client, scene, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("editor_usages", args=[AGS])).status_code == 200


def test_overview_goes_straight_to_the_only_municipality(client, own_editor, scene):
    client.force_login(own_editor)
    response = client.get(reverse("editor_overview"))
    assert response["Location"] == reverse("editor_dashboard", args=[AGS])


def test_overview_explains_when_editing_nothing(client, member, scene):
    client.force_login(member)
    assert "bearbeitet noch keine Kommune" in client.get(reverse("editor_overview")).content.decode()


def test_editor_changes_a_usage_in_the_table(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(client, None, changes={"session": {"satisfaction": "5", "notes": "läuft"}})
    assert response.status_code == 302, response.content.decode()[-3000:]
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.satisfaction == 5 and scene.own_usage.notes == "läuft"
    assert scene.own_usage.history.first().history_user == own_editor
    page = client.get(response["Location"]).content.decode()
    assert "gespeichert" in page


def test_table_adds_a_new_usage_confirmed(client, own_editor, scene):
    client.force_login(own_editor)
    other_ris = scene.other_ris
    response = table_post(client, None, new=[{"software": str(other_ris.pk), "status": "pilot",
                                              "visibility": "public", "since": "2024-03-01"}])
    assert response.status_code == 302
    usage = Usage.objects.get(municipality__ags=AGS, software=other_ris)
    assert usage.status == "pilot" and usage.since == dt.date(2024, 3, 1)
    assert usage.is_confirmed and usage.source == UsageSource.SELF_DECLARED


def test_table_retires_a_usage(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(client, None, changes={"session": {"status": "retired"}})
    assert response.status_code == 302
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.status == "retired" and scene.own_usage.until == timezone.localdate()
    assert "Abgelöste Nutzungen" in client.get(usages_url()).content.decode()


def test_table_deletes_a_row(client, own_editor, scene):
    client.force_login(own_editor)
    assert table_post(client, None, delete=["dvelop"]).status_code == 302
    assert not Usage.objects.filter(municipality__ags=AGS, software=scene.dms).exists()


def test_forbidden_transition_is_not_offered(client, own_editor, scene):
    client.force_login(own_editor)
    form = next(f for f in client.get(usages_url()).context["existing"].forms
                if f.usage.software == scene.ris)
    assert [value for value, _ in form.fields["status"].choices] == ["production", "retired"]


def test_table_rejects_invalid_rows_and_saves_nothing(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(
        client, None, changes={"session": {"notes": "soll nicht gespeichert werden"}},
        new=[{"software": str(scene.dms.pk), "status": "production", "visibility": "public"}])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nichts wurde gespeichert" in page
    assert "bereits eine aktive Nutzung" in page
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.notes == ""


def test_table_rejects_status_the_lifecycle_forbids(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(client, None, changes={"session": {"status": "planned"}})
    assert response.status_code == 400
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.status == "production"


def test_table_refuses_to_overwrite_a_change_made_meanwhile(client, own_editor, scene):
    client.force_login(own_editor)
    response = client.get(usages_url())
    data = {f"nutzung-{k}": v for k, v in response.context["existing"].management_form.initial.items()}
    data |= {f"neu-{k}": v for k, v in response.context["new"].management_form.initial.items()}
    for i, form in enumerate(response.context["existing"].forms):
        data |= {f"nutzung-{i}-{k}": "" if v is None else str(v) for k, v in form.initial.items()}
        if form.usage == scene.own_usage:
            data[f"nutzung-{i}-notes"] = "meine Änderung"
    Usage.objects.filter(pk=scene.own_usage.pk).update(
        notes="Änderung der Kollegin", updated_at=timezone.now() + dt.timedelta(seconds=1))
    response = client.post(usages_url(), data)
    assert response.status_code == 400
    assert "inzwischen geändert" in response.content.decode()
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.notes == "Änderung der Kollegin"


def test_every_table_field_has_a_label(client, own_editor, scene):
    client.force_login(own_editor)
    page = client.get(usages_url()).content.decode()
    fields = re.findall(r'<(?:input|select|textarea)[^>]*>', page)
    ids = {re.search(r'\sid="([^"]+)"', f).group(1) for f in fields
           if 'type="hidden"' not in f and ' id="' in f}
    labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', page))
    assert ids and ids <= labelled


def test_editor_confirms_a_proposed_usage(client, own_editor, provider_editor, world, scene):
    from hub import services

    proposal = services.usage_create(actor=provider_editor, municipality=world.own,
                                     software=scene.other_ris)
    client.force_login(own_editor)
    page = client.get(reverse("editor_dashboard", args=[AGS])).content.decode()
    assert "ALLRIS" in page and "vom IT-Dienstleister eingetragen" in page
    response = client.post(reverse("editor_usage_confirm", args=[AGS, proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_confirmed


def test_editor_rejects_a_proposal(client, own_editor, provider_editor, world, scene):
    from hub import services

    proposal = services.usage_create(actor=provider_editor, municipality=world.own,
                                     software=scene.other_ris)
    client.force_login(own_editor)
    client.post(reverse("editor_usage_reject", args=[AGS, proposal.pk]))
    assert not Usage.objects.filter(pk=proposal.pk).exists()


def test_confirmed_usage_cannot_be_rejected(client, own_editor, scene):
    client.force_login(own_editor)
    response = client.post(reverse("editor_usage_reject", args=[AGS, scene.own_usage.pk]))
    assert response.status_code == 403
    assert Usage.objects.filter(pk=scene.own_usage.pk).exists()


def test_confirm_needs_post_and_the_right_municipality(client, own_editor, other_editor, scene):
    client.force_login(own_editor)
    assert client.get(reverse("editor_usage_confirm", args=[AGS, scene.own_usage.pk])).status_code == 405
    other = scene.other_usage
    assert client.post(reverse("editor_usage_confirm", args=[AGS, other.pk])).status_code == 404
    client.force_login(other_editor)
    assert client.post(reverse("editor_usage_confirm", args=[AGS, scene.own_usage.pk])).status_code == 403


def test_stale_usages_are_listed_and_reconfirmed(client, own_editor, scene, settings):
    old = timezone.now() - dt.timedelta(days=settings.USAGE_STALE_AFTER_DAYS + 10)
    Usage.objects.filter(pk=scene.own_usage.pk).update(last_confirmed_at=old)
    client.force_login(own_editor)
    page = client.get(reverse("editor_dashboard", args=[AGS])).content.decode()
    assert "Lange nicht bestätigt" in page and "Session" in page.split('id="stale-h"', 1)[1]
    client.post(reverse("editor_usage_confirm", args=[AGS, scene.own_usage.pk]))
    scene.own_usage.refresh_from_db()
    assert scene.own_usage.last_confirmed_at > old
    page = client.get(reverse("editor_dashboard", args=[AGS])).content.decode()
    assert "Alle Einträge sind aktuell" in page


def test_editor_invites_a_new_colleague_who_sets_a_password(client, own_editor, world, scene):
    client.force_login(own_editor)
    response = client.post(reverse("editor_team", args=[AGS]), {"email": "neu@erkrath.example"})
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    colleague = get_user_model().objects.get(email="neu@erkrath.example")
    assert not colleague.has_usable_password()
    assert permissions.is_own_editor(colleague, world.own)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["neu@erkrath.example"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/konto/passwort-setzen/" in line)
    client.logout()
    response = client.get(link.strip(), follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "ein-langes-passwort-42", "new_password2": "ein-langes-passwort-42"})
    assert response.status_code == 302
    assert client.login(username=colleague.username, password="ein-langes-passwort-42")


def test_invite_existing_account_and_revoke(client, own_editor, member, world, scene):
    client.force_login(own_editor)
    client.post(reverse("editor_team", args=[AGS]), {"email": member.email.upper()})
    assert permissions.is_own_editor(member, world.own)
    assert "Danach finden Sie Ihre Kommune" in mail.outbox[0].body
    page = client.get(reverse("editor_team", args=[AGS])).content.decode()
    assert member.email in page
    client.post(reverse("editor_team_revoke", args=[AGS, member.pk]))
    assert not permissions.is_own_editor(member, world.own)


def test_invite_twice_is_a_clear_error(client, own_editor, scene):
    client.force_login(own_editor)
    response = client.post(reverse("editor_team", args=[AGS]), {"email": own_editor.email})
    assert response.status_code == 400
    assert "bearbeitet Erkrath bereits" in response.content.decode()


def test_editor_cannot_revoke_themselves(client, own_editor, world, scene):
    client.force_login(own_editor)
    response = client.post(reverse("editor_team_revoke", args=[AGS, own_editor.pk]), follow=True)
    assert "nicht selbst entfernen" in response.content.decode()
    assert permissions.is_own_editor(own_editor, world.own)


def test_other_editor_cannot_invite_or_revoke(client, own_editor, other_editor, scene):
    client.force_login(other_editor)
    assert client.post(reverse("editor_team", args=[AGS]), {"email": "x@example.org"}).status_code == 403
    assert client.post(reverse("editor_team_revoke", args=[AGS, own_editor.pk])).status_code == 403


def test_usages_table_query_count_is_flat(client, own_editor, world, scene,
                                          django_assert_max_num_queries):
    for i in range(30):
        factories.UsageFactory(municipality=world.own, software=factories.SoftwareFactory(name=f"P{i}"))
    client.force_login(own_editor)
    with django_assert_max_num_queries(12):
        response = client.get(usages_url())
    assert response.status_code == 200 and len(response.context["existing"].forms) == 32


def test_unknown_product_in_a_new_row_is_a_row_error(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(client, None, new=[{"software": "999999", "status": "production",
                                              "visibility": "public"}])
    assert response.status_code == 400
    assert "Diese Software gibt es nicht" in response.content.decode()


def test_new_row_keeps_the_chosen_product_after_an_error(client, own_editor, scene):
    client.force_login(own_editor)
    response = table_post(client, None, new=[{"software": str(scene.dms.pk), "status": "production",
                                              "visibility": "public"}])
    assert response.status_code == 400  # d.velop is already in use
    assert f'<option value="{scene.dms.pk}" selected>' in response.content.decode()
