"""'Ask the users': one message, one e-mail per address, nobody sees the others, replies go
to the sender, rate-limited."""

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories
from web.models import SoftwareQuestion

URL = reverse("software_ask", args=["session"])
MESSAGE = {"subject": "Erfahrungen mit dem Update 5.2?", "body": "Hat jemand schon migriert?"}


def test_member_sends_one_mail_per_address_with_reply_to(client, member, scene):
    client.force_login(member)
    response = client.post(URL, MESSAGE)
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["erika.mustermann@erkrath.example",
                                                      "max.muster@muelheim.example"]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert message.reply_to == [f"member <{member.email}>"]
        assert "Hat jemand schon migriert?" in message.body
        assert "erika" not in message.body and "max.muster" not in message.body
        assert message.subject == "[Kommunalhub] Erfahrungen mit dem Update 5.2?"
    question = SoftwareQuestion.objects.get()
    assert question.municipality_count == 2 and question.recipient_count == 2
    page = client.get(response["Location"]).content.decode()
    assert "von 2 Kommunen" in page


def test_form_page_shows_count_but_no_addresses(client, member, scene):
    client.force_login(member)
    page = client.get(URL).content.decode()
    assert "2 Kommunen" in page
    assert "erika.mustermann" not in page and "max.muster" not in page
    assert 'for="id_subject"' in page and 'for="id_body"' in page


def test_usage_contact_is_preferred_to_municipality_contacts(client, member, world, scene):
    person = factories.ContactFactory(municipality=world.own, email="ris@erkrath.example")
    scene.own_usage.contact = person
    scene.own_usage.save()
    client.force_login(member)
    client.post(URL, MESSAGE)
    assert sorted(m.to[0] for m in mail.outbox) == ["max.muster@muelheim.example",
                                                      "ris@erkrath.example"]


def test_retired_usages_are_not_asked(client, member, world, scene):
    scene.other_usage.status = "retired"
    scene.other_usage.save()
    client.force_login(member)
    client.post(URL, MESSAGE)
    assert [m.to[0] for m in mail.outbox] == ["erika.mustermann@erkrath.example"]


def test_sender_does_not_mail_themselves(client, world, scene):
    from django.contrib.auth.models import Group

    user = factories.UserFactory(username="erika", email="erika.mustermann@erkrath.example")
    user.groups.add(Group.objects.get(name="members"))
    client.force_login(user)
    client.post(URL, MESSAGE)
    assert [m.to[0] for m in mail.outbox] == ["max.muster@muelheim.example"]


def test_rate_limit_stops_the_fourth_message(client, member, scene, settings):
    settings.ASK_USERS_PER_DAY = 3
    client.force_login(member)
    for _ in range(3):
        assert client.post(URL, MESSAGE).status_code == 302
    sent = len(mail.outbox)
    response = client.post(URL, MESSAGE)
    assert response.status_code == 400
    assert "bereits 3 Nachrichten gesendet" in response.content.decode()
    assert len(mail.outbox) == sent
    assert SoftwareQuestion.objects.count() == 3


def test_no_recipients_is_a_clear_error(client, member, scene):
    client.force_login(member)
    response = client.post(reverse("software_ask", args=["allris"]), MESSAGE)
    assert response.status_code == 400
    assert "keine Ansprechperson" in response.content.decode()
    assert not mail.outbox


def test_account_without_email_cannot_send(client, member, scene):
    member.email = ""
    member.save()
    client.force_login(member)
    response = client.post(URL, MESSAGE)
    assert response.status_code == 400 and not mail.outbox


def test_anonymous_is_sent_to_login(client, scene):
    response = client.post(URL, MESSAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not mail.outbox


@pytest.mark.parametrize("persona", ["vendor"])
def test_non_members_get_403(client, scene, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(URL, MESSAGE).status_code == 403
    assert not mail.outbox


def test_empty_message_is_rejected_per_field(client, member, scene):
    client.force_login(member)
    response = client.post(URL, {"subject": "", "body": ""})
    assert response.status_code == 400
    assert response.content.decode().count("Dieses Feld ist zwingend erforderlich") == 2


def test_subject_with_line_break_is_refused_not_a_500(client, member, scene):
    client.force_login(member)
    response = client.post(URL, {"subject": "Hallo\r\nBcc: alle@example.org", "body": "x"})
    assert response.status_code == 400
    assert "keinen Zeilenumbruch" in response.content.decode()
    assert not mail.outbox
