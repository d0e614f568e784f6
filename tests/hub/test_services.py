"""Writes through services: provenance, lifecycle, history and the outbox."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hub import errors, outbox, selectors, services
from hub.models import OutboxEvent, Usage, UsageSource, UsageStatus
from tests import factories


def test_own_editor_entry_is_confirmed(world, own_editor):
    usage = services.usage_create(actor=own_editor, municipality=world.own,
                                  software=factories.SoftwareFactory(), status="production")
    assert usage.is_confirmed
    assert usage.source == UsageSource.SELF_DECLARED
    assert usage.last_confirmed_at is not None


def test_provider_entry_stays_proposed_until_confirmed(world, provider_editor, own_editor):
    usage = services.usage_create(actor=provider_editor, municipality=world.own,
                                  software=factories.SoftwareFactory())
    assert not usage.is_confirmed
    assert usage.source == UsageSource.PROVIDER
    assert list(selectors.usage_proposed_for_editor(user=own_editor)) == [usage]
    services.usage_confirm(actor=own_editor, usage=usage)
    usage.refresh_from_db()
    assert usage.is_confirmed and usage.last_confirmed_at is not None


def test_moderator_entry_stays_proposed(world, moderator):
    usage = services.usage_create(actor=moderator, municipality=world.own,
                                  software=factories.SoftwareFactory())
    assert not usage.is_confirmed
    assert usage.source == UsageSource.MODERATOR


def test_rejects_second_active_usage(world, own_editor):
    software = factories.SoftwareFactory()
    services.usage_create(actor=own_editor, municipality=world.own, software=software)
    with pytest.raises(ValidationError) as exc:
        services.usage_create(actor=own_editor, municipality=world.own, software=software,
                              status="pilot")
    assert exc.value.error_dict["software"][0].code == errors.DUPLICATE_ACTIVE_USAGE
    assert Usage.objects.filter(municipality=world.own).count() == 1


def test_retire_keeps_history_and_records_successor(world, own_editor):
    old, new = factories.SoftwareFactory(), factories.SoftwareFactory()
    usage = services.usage_create(actor=own_editor, municipality=world.own, software=old,
                                  since=dt.date(2010, 1, 1))
    services.usage_retire(actor=own_editor, usage=usage, successor=new)
    usage.refresh_from_db()
    assert usage.status == UsageStatus.RETIRED
    assert usage.until == timezone.localdate()
    assert usage.successor == new
    assert usage.history.count() == 2
    assert usage.history.first().history_user == own_editor
    # the same product may be taken up again later
    services.usage_create(actor=own_editor, municipality=world.own, software=old)


def test_rejects_backward_transition(world, own_editor):
    usage = services.usage_create(actor=own_editor, municipality=world.own,
                                  software=factories.SoftwareFactory(), status="production")
    with pytest.raises(ValidationError) as exc:
        services.usage_update(actor=own_editor, usage=usage, status="planned")
    assert exc.value.error_dict["status"][0].code == errors.INVALID_TRANSITION


def test_rejects_unknown_field(world, own_editor):
    with pytest.raises(ValidationError) as exc:
        services.usage_create(actor=own_editor, municipality=world.own,
                              software=factories.SoftwareFactory(), is_confirmed=True)
    assert "is_confirmed" in exc.value.error_dict


def test_planned_usage_carries_target_and_joint_procurement(world, own_editor):
    usage = services.usage_create(actor=own_editor, municipality=world.own,
                                  software=factories.SoftwareFactory(), status="planned",
                                  target_date=dt.date(2027, 6, 30),
                                  open_to_joint_procurement=True)
    assert usage.open_to_joint_procurement and usage.target_date.year == 2027


def test_stale_after_eighteen_months(world, own_editor):
    usage = services.usage_create(actor=own_editor, municipality=world.own,
                                  software=factories.SoftwareFactory())
    assert not usage.is_stale
    Usage.objects.filter(pk=usage.pk).update(
        last_confirmed_at=timezone.now() - dt.timedelta(days=19 * 30))
    usage.refresh_from_db()
    assert usage.is_stale
    assert list(selectors.usage_stale_for_editor(user=own_editor)) == [usage]


def test_outbox_event_written_with_the_change(world, own_editor):
    before = OutboxEvent.objects.count()
    usage = services.usage_create(actor=own_editor, municipality=world.own,
                                  software=factories.SoftwareFactory(),
                                  services=[factories.ServiceFactory()])
    events = OutboxEvent.objects.filter(id__gt=before, entity="usage", entity_id=usage.pk)
    assert events.exists()


def test_outbox_event_rolls_back_with_the_change(world, own_editor):
    before = OutboxEvent.objects.count()
    software = factories.SoftwareFactory()
    after_setup = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.usage_create(actor=own_editor, municipality=world.own, software=software)
        raise RuntimeError("abort")
    assert OutboxEvent.objects.count() == after_setup >= before
    assert not Usage.objects.filter(software=software).exists()


def test_delete_emits_delete_event_with_natural_key(world, moderator):
    software = factories.SoftwareFactory(slug="weg-damit")
    pk = software.pk
    software.delete()
    event = OutboxEvent.objects.filter(entity="software", entity_id=pk, op=outbox.DELETE).get()
    assert event.payload["slug"] == "weg-damit"


def test_apply_pending_runs_consumers_and_keeps_cursor_on_failure(world, settings):
    from hub.models import OutboxCursor

    settings.OUTBOX_CONSUMERS = ["tests.hub.test_services.recording_consumer",
                                 "tests.hub.test_services.failing_consumer"]
    RECORDED.clear()
    factories.SoftwareFactory()
    applied = outbox.apply_pending()
    assert applied["tests.hub.test_services.recording_consumer"] == OutboxEvent.objects.count()
    assert applied["tests.hub.test_services.failing_consumer"] == 0
    failing = OutboxCursor.objects.get(consumer="tests.hub.test_services.failing_consumer")
    assert failing.last_event_id == 0 and "down" in failing.last_error
    backlog = outbox.backlog()
    assert backlog["tests.hub.test_services.failing_consumer"]["pending"] == OutboxEvent.objects.count()
    assert backlog["tests.hub.test_services.recording_consumer"]["pending"] == 0
    assert {e.entity for e in RECORDED} >= {"software", "municipality"}


RECORDED: list = []


def recording_consumer(events):
    RECORDED.extend(events)


def failing_consumer(events):
    raise ConnectionError("graph engine down")
