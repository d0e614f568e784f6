"""Fixtures of the knowledge tests: a real Whoosh index in a temporary directory per test,
linked entities with real keys (AGS, LeiKa) and helpers to drain the real outbox."""

from dataclasses import dataclass

import pytest

from hub import outbox
from hub.models import Collaboration, Service, ServiceKind, Software
from tests import factories

CONSUMER = "knowledge.index.consume"


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.OUTBOX_CONSUMERS = [CONSUMER]
    # Personas are real users; a fast hasher keeps their creation from dominating.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.SEARCH_INDEX_DIR


def drain() -> int:
    """Apply pending outbox events to the search index, as the on-commit hook would."""
    return outbox.apply_pending(only=CONSUMER).get(CONSUMER, 0)


@dataclass
class Linked:
    sessionnet: Software
    allris: Software
    wohngeld: Service
    ozg_wohngeld: Service
    collaboration: Collaboration


@pytest.fixture
def linked(world) -> Linked:
    ris = factories.CategoryFactory(name="Ratsinformationssystem", slug="ratsinformationssystem")
    fin = factories.CategoryFactory(name="Finanzwesen", slug="finanzwesen")
    sessionnet = factories.SoftwareFactory(name="SessionNet", slug="sessionnet", category=ris,
                                           aliases="Session, Sitzungsdienst Somacos")
    allris = factories.SoftwareFactory(name="ALLRIS", slug="allris", category=fin)
    ozg = Service.objects.create(kind=ServiceKind.OZG, ozg_id="10092", name="Wohngeld")
    wohngeld = Service.objects.create(kind=ServiceKind.LEIKA, leika_key="99107023017000",
                                      name="Wohngeld Bewilligung", ozg_service=ozg)
    collaboration = Collaboration.objects.create(title="RIS-Umstieg Kreis Mettmann",
                                                 slug="ris-umstieg-mettmann", topic="standard_software")
    return Linked(sessionnet=sessionnet, allris=allris, wohngeld=wohngeld, ozg_wohngeld=ozg,
                  collaboration=collaboration)
