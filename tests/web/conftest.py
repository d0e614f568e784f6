"""A small but complete scene for the page tests: two municipalities in a Kreis served by an
IT provider, products in two categories, an OZG service with a LeiKa service, contacts,
members-only data and a collaboration."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from hub import services
from hub.models import Collaboration, Municipality, Service, Software, State, Usage
from tests import factories


@dataclass
class Scene:
    ris: Software
    dms: Software
    other_ris: Software
    ozg: Service
    leika: Service
    own_usage: Usage
    other_usage: Usage
    hidden_usage: Usage
    collaboration: Collaboration
    neighbour: Municipality


@pytest.fixture
def scene(world) -> Scene:
    world.own.latitude, world.own.longitude = 51.2167, 6.9167
    world.own.save()
    world.other.latitude, world.other.longitude = 51.4275, 6.8825
    world.other.save()
    neighbour = factories.MunicipalityFactory(ags="05158008", name="Haan", parent=world.kreis,
                                              latitude=51.19, longitude=7.01)
    ris_cat = factories.CategoryFactory()
    dms_cat = factories.CategoryFactory(name="Dokumentenmanagement", slug="dms", position=20)
    vendor = factories.OrganizationFactory(name="Somacos", slug="somacos", kind="vendor")
    ris = factories.SoftwareFactory(name="Session", slug="session", category=ris_cat, vendor=vendor)
    other_ris = factories.SoftwareFactory(name="ALLRIS", slug="allris", category=ris_cat)
    dms = factories.SoftwareFactory(name="d.velop documents", slug="dvelop", category=dms_cat,
                                    is_open_source=False)
    ozg = factories.ServiceFactory(name="Wohngeld", ozg_id="10401")
    leika = factories.ServiceFactory(kind="leika", ozg_id="10401", leika_key="99108002000000",
                                     name="Wohngeld Mietzuschuss", ozg_service=ozg)
    own_usage = factories.UsageFactory(municipality=world.own, software=ris, satisfaction=4,
                                       since=dt.date(2015, 1, 1), operated_by=world.provider,
                                       last_confirmed_at=timezone.now())
    own_usage.services.set([leika])
    factories.UsageFactory(municipality=world.own, software=dms, status="planned")
    other_usage = factories.UsageFactory(municipality=world.other, software=ris, satisfaction=2,
                                         last_confirmed_at=timezone.now())
    factories.UsageFactory(municipality=world.other, software=dms)
    hidden_usage = factories.UsageFactory(municipality=neighbour, software=other_ris,
                                          visibility="members")
    factories.ContactFactory(municipality=world.own, name="Erika Mustermann",
                             email="erika.mustermann@erkrath.example", phone="+49 211 123456")
    factories.ContactFactory(municipality=world.other, name="Max Muster",
                             email="max.muster@muelheim.example")
    collaboration = services.collaboration_create(
        actor=None, title="Gemeinsames RIS", slug="gemeinsames-ris", topic="procurement",
        lead_municipality=world.own, municipalities=[world.own, world.other], software=[ris])
    return Scene(ris=ris, dms=dms, other_ris=other_ris, ozg=ozg, leika=leika,
                 own_usage=own_usage, other_usage=other_usage, hidden_usage=hidden_usage,
                 collaboration=collaboration, neighbour=neighbour)


@pytest.fixture
def nrw(db) -> State:
    return State.objects.get(code="05")


# --- graph discovery on the pages (second UI pass) ---
from graph import client as graph_client  # noqa: E402


@pytest.fixture(autouse=True)
def graph_offline(request, tmp_path_factory):
    """Pages read the graph; tests that do not ask for the `graph` fixture get a real engine
    client pointed at a directory where no engine runs (and may not start one), so they see
    the hub as it is while the graph is down instead of starting an engine of their own."""
    if "graph" in request.fixturenames:
        yield None
        return
    backend = graph_client.FalkorBackend(
        graph_client.EmbeddedEngine(tmp_path_factory.mktemp("nograph")), "none", autostart=False)
    previous = graph_client.set_backend(backend)
    yield backend
    graph_client.set_backend(previous)
    backend.close()


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    """A real search index of the test's own (pages with article search build it on demand)."""
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    return settings.SEARCH_INDEX_DIR
