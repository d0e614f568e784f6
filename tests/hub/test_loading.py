"""hub.loading: rows load into the same instances Django's own `Model.from_db` builds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.db.models.signals import post_init

from hub import loading
from hub.models import Municipality, Software, Usage
from tests import factories

pytestmark = pytest.mark.django_db


def _django(instance: models.Model) -> models.Model:
    """The same row built by Django's own from_db (Model.__init__)."""
    model = type(instance)
    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in vars(instance)]
    values = [vars(instance)[name] for name in loaded]
    return models.Model.from_db.__func__(model, instance._state.db, loaded, values)


def _state(instance: models.Model) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_full_rows_hold_what_django_builds():
    usage = factories.UsageFactory(since=dt.date(2020, 5, 1))
    loaded = Usage.objects.get(pk=usage.pk)
    expected = _django(loaded)
    assert _state(loaded) == _state(expected)
    assert list(vars(loaded)) == list(vars(expected))
    assert (loaded._state.adding, loaded._state.db) == (False, "default")
    assert loaded.get_deferred_fields() == set()


def test_rows_loaded_with_only_defer_the_other_columns():
    usage = factories.UsageFactory(since=dt.date(2020, 5, 1))
    loaded = Usage.objects.only("status", "since", "software").get(pk=usage.pk)
    assert _state(loaded) == _state(_django(loaded))
    assert loaded.get_deferred_fields() == {
        f.attname for f in Usage._meta.concrete_fields} - {"id", "status", "since", "software_id"}
    assert loaded.notes == usage.notes  # a deferred column still loads on access
    assert loaded.software == usage.software
    assert loaded.since == dt.date(2020, 5, 1)


def test_related_rows_and_saves_behave_as_before():
    usage = factories.UsageFactory()
    loaded = Usage.objects.select_related("software__vendor", "municipality").get(pk=usage.pk)
    assert loaded.software.vendor == usage.software.vendor
    assert loaded.municipality.ags == usage.municipality.ags
    loaded.notes = "geändert"
    loaded.save()
    assert Usage.objects.get(pk=usage.pk).notes == "geändert"
    loaded.software_id = factories.SoftwareFactory().pk  # the cached product is dropped
    assert loaded.software.pk == loaded.software_id


def test_hands_over_to_django_when_someone_listens_to_post_init():
    software = factories.SoftwareFactory()
    seen: list[models.Model] = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Software)
    try:
        loaded = Software.objects.get(pk=software.pk)
    finally:
        post_init.disconnect(receiver, sender=Software)
    assert seen == [loaded]


def test_models_with_their_own_descriptors_load_through_django():
    class Tracked:  # a data descriptor: filling __dict__ would bypass it
        def __set__(self, instance, value):
            instance.__dict__["name"] = value.upper()

        def __get__(self, instance, owner=None):
            return self if instance is None else instance.__dict__["name"]

    municipality = factories.MunicipalityFactory(name="Erkrath")
    Proxy = type("TrackedMunicipality", (Municipality,), {
        "__module__": __name__, "Meta": type("Meta", (), {"proxy": True, "app_label": "hub"}),
        "name": Tracked()})
    try:
        assert not loading._plain(Proxy)
        assert Proxy.objects.get(pk=municipality.pk).name == "ERKRATH"
    finally:
        from django.apps import apps
        del apps.all_models["hub"]["trackedmunicipality"]
        apps.clear_cache()


def test_deferred_markers_in_the_values_are_left_to_django():
    software = factories.SoftwareFactory()
    names = [f.attname for f in Software._meta.concrete_fields]
    values = [models.DEFERRED if name == "description" else getattr(software, name)
              for name in names]
    built = Software.from_db("default", names, values)
    assert "description" in built.get_deferred_fields()
    assert built.description == software.description
