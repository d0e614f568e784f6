"""Bad input is rejected at model level with a stable code, whatever path saves it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from hub import errors
from hub.models import Contact, Membership, Municipality, Service, Usage
from tests import factories


def codes(exc: ValidationError, field: str | None = None) -> set[str]:
    if field is None:
        return {e.code for errs in exc.error_dict.values() for e in errs} if hasattr(exc, "error_dict") else {e.code for e in exc.error_list}
    return {e.code for e in exc.error_dict.get(field, [])}


@pytest.mark.parametrize("ags", ["1234567", "123456789", "00123456", "17123456", "05a58004", ""])
def test_rejects_invalid_ags(db, ags):
    m = factories.MunicipalityFactory.build(ags=ags, state=factories.StateFactory())
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert errors.INVALID_AGS in codes(exc.value, "ags") or (ags == "" and "ags" in exc.value.error_dict)


def test_accepts_valid_ags_and_matching_ars(db):
    m = factories.MunicipalityFactory.build(ags="05158004", ars="051580004004",
                                            state=factories.StateFactory())
    m.full_clean()


def test_rejects_ars_that_contradicts_ags(db):
    m = factories.MunicipalityFactory.build(ags="05158004", ars="051580004008",
                                            state=factories.StateFactory())
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert codes(exc.value, "ars") == {errors.ARS_AGS_MISMATCH}


def test_rejects_ags_outside_its_state(db):
    m = factories.MunicipalityFactory.build(ags="09162000", state=factories.StateFactory())
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert codes(exc.value, "state") == {errors.INVALID_STATE}


def test_database_refuses_duplicate_ags(db):
    factories.MunicipalityFactory(ags="05158004")
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(ags="05158004", name="Doppelt", kind="stadt",
                                    state=factories.StateFactory())


@pytest.mark.parametrize("key", ["9900100100000", "990010010000001", "12001001000000", "99abc"])
def test_rejects_invalid_leika_key(db, key):
    s = Service(kind="leika", name="Test", leika_key=key)
    with pytest.raises(ValidationError) as exc:
        s.full_clean()
    assert errors.INVALID_LEIKA_KEY in codes(exc.value, "leika_key")


def test_accepts_leika_service_without_key(db):
    ozg = factories.ServiceFactory()
    Service(kind="leika", name="Nicht im LeiKa", leika_key="", ozg_service=ozg).full_clean()


def test_ozg_service_needs_ozg_id(db):
    with pytest.raises(ValidationError) as exc:
        Service(kind="ozg", name="Ohne ID").full_clean()
    assert errors.INVALID_OZG_ID in codes(exc.value, "ozg_id")


def test_rejects_duplicate_software_slug(db):
    factories.SoftwareFactory(slug="sessionnet")
    dup = factories.SoftwareFactory.build(slug="sessionnet", category=factories.CategoryFactory())
    with pytest.raises(ValidationError) as exc:
        dup.full_clean()
    assert "slug" in exc.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()


def test_database_refuses_second_active_usage(db):
    usage = factories.UsageFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Usage.objects.create(municipality=usage.municipality, software=usage.software,
                             status="pilot")


def test_database_allows_new_usage_after_retirement(db):
    usage = factories.UsageFactory(status="retired")
    Usage.objects.create(municipality=usage.municipality, software=usage.software,
                         status="production")
    assert Usage.objects.filter(municipality=usage.municipality).count() == 2


def test_full_clean_reports_second_active_usage(db):
    usage = factories.UsageFactory()
    dup = Usage(municipality=usage.municipality, software=usage.software, status="planned")
    with pytest.raises(ValidationError) as exc:
        dup.full_clean()
    assert errors.DUPLICATE_ACTIVE_USAGE in codes(exc.value)


def test_rejects_until_before_since(db):
    usage = factories.UsageFactory.build(
        municipality=factories.MunicipalityFactory(), software=factories.SoftwareFactory(),
        since=dt.date(2020, 5, 1), until=dt.date(2019, 1, 1))
    with pytest.raises(ValidationError) as exc:
        usage.full_clean()
    assert errors.UNTIL_BEFORE_SINCE in codes(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        usage.save()


@pytest.mark.parametrize("value", [0, 6, 17])
def test_rejects_satisfaction_out_of_range(db, value):
    usage = factories.UsageFactory.build(
        municipality=factories.MunicipalityFactory(), software=factories.SoftwareFactory(),
        satisfaction=value)
    with pytest.raises(ValidationError) as exc:
        usage.full_clean()
    assert "satisfaction" in exc.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        usage.save()


def test_database_refuses_successor_on_active_usage(db):
    usage = factories.UsageFactory.build(
        municipality=factories.MunicipalityFactory(), software=factories.SoftwareFactory(),
        successor=factories.SoftwareFactory(), status="production")
    with pytest.raises(IntegrityError), transaction.atomic():
        usage.save()


def test_contact_needs_exactly_one_owner(db):
    contact = Contact(name="Niemand")
    with pytest.raises(ValidationError) as exc:
        contact.full_clean()
    assert errors.OWNER_REQUIRED in codes(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        contact.save()


def test_membership_needs_exactly_one_member(db):
    org = factories.OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(organization=org)


def test_errors_are_translated_to_english(db):
    from django.utils import translation

    m = factories.MunicipalityFactory.build(ags="99", state=factories.StateFactory())
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert exc.value.error_dict["ags"][0].code == errors.INVALID_AGS
