"""Load the hub's reference and demo data: real Gemeinden, Kreise and services, the KDN and its
IT providers, real software with sourced usages, and a fictional layer of demo usages.

Why one entry point: `manage.py load_demo`, the tests and the benchmarks must get the same
database. Every section upserts by natural key (AGS, slug, OZG id, LeiKa key, names), so a
second run changes nothing and never duplicates a row.

Bulk writes bypass model signals, so the outbox hears nothing about them; one "rebuild" event
at the end tells the projections (graph, search) to rebuild from the database. Nor does
django-simple-history: `record_initial_history` gives every new row its initial history
record at the end, in one INSERT … SELECT per table.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict

from django.db import transaction

from hub import outbox
from hub.demo.catalogue import load_services
from hub.demo.fictional import load_fictional
from hub.demo.geography import load_municipalities
from hub.demo.organizations import load_organizations
from hub.demo.software import load_software
from hub.demo.sync import record_initial_history
from knowledge.demo import load_demo_articles

# In dependency order: organisations before software (the KDN is also a vendor), everything
# before the fictional layer that builds on it.
SECTIONS: dict[str, Callable[[], object]] = {
    "municipalities": load_municipalities,
    "services": load_services,
    "organizations": load_organizations,
    "software": load_software,
    "demo": load_fictional,
    "articles": load_demo_articles,
}


class UnknownSection(ValueError):
    pass


def load(*, only: Collection[str] | None = None) -> dict[str, dict[str, int]]:
    """Load all sections (or `only` those named) in one transaction; returns counts per
    section."""
    names = list(SECTIONS) if not only else [n for n in SECTIONS if n in set(only)]
    unknown = set(only or ()) - set(SECTIONS)
    if unknown:
        raise UnknownSection(", ".join(sorted(unknown)))
    result: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for name in names:
            result[name] = asdict(SECTIONS[name]())
        record_initial_history(reason="load_demo")
        outbox.emit_rebuild("load_demo")
    return result
