"""Child process of bench_imports: runs one import step against the benchmark database
(DATABASE_URL set by the parent) and prints one JSON line: rows, seconds, memory."""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time

import django


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(task: str, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from exchange import report as rp
    from exchange.gvisys import import_municipalities
    from exchange.inventory import inventory_import
    from hub.models import Municipality

    data = open(path, "rb").read() if path != "-" else b""
    before = rss_mb()
    started = time.perf_counter()
    if task.startswith("gv"):
        report = import_municipalities(actor=None, data=data, source=os.path.basename(path),
                                       allow_mass_dissolve=True)
    elif task == "catalogue":
        report = _catalogue()
    elif task.startswith("usages"):
        report = inventory_import(actor=None, municipality=None, data=data,
                                  filename=os.path.basename(path), dry_run=False,
                                  max_bytes=None, max_rows=None)
    elif task == "upload":
        report = _uploads(Municipality)
    else:
        raise SystemExit(f"unknown task {task}")
    seconds = time.perf_counter() - started
    assert report.ok, report.render(limit=20)
    counts = {a: report.counts.get(a, 0) for a in rp.ACTIONS}
    print(json.dumps({"task": task, "rows": sum(counts.values()), "counts": counts,
                      "seconds": seconds, "rss_before_mb": before, "rss_peak_mb": rss_mb()}))


def _catalogue():
    """300 products in the demo taxonomy, for the usage rows to refer to."""
    from exchange import report as rp
    from hub.demo.software import load_categories
    from hub.models import Organization, OrganizationKind, Software

    categories = list(load_categories().values())
    vendors = Organization.objects.bulk_create(
        [Organization(name=f"Benchhersteller {n}", slug=f"bench-vendor-{n}",
                      kind=OrganizationKind.VENDOR) for n in range(40)])
    Software.objects.bulk_create([
        Software(name=f"Benchprodukt {n:03d}", slug=f"benchprodukt-{n:03d}",
                 category=categories[n % len(categories)], vendor=vendors[n % 40])
        for n in range(300)])
    report = rp.Report("catalogue")
    report.count(rp.CREATED, 340)
    return report


def _uploads(municipality_model):
    """The web upload path: one municipality's 36-row inventory at a time, per-row services."""
    from exchange import report as rp
    from exchange.inventory import HEADERS, inventory_import
    from exchange.text import write_csv

    total = rp.Report("uploads")
    rnd = random.Random(7)
    # Kreise: not in the provider file, so the uploads meet no earlier usages.
    for m in municipality_model.objects.filter(kind="kreis").order_by("ags")[:20]:
        rows = [[f"Benchprodukt {n:03d}", "", "", "Pilot", "2021", "", "", 3, "Upload"]
                for n in rnd.sample(range(300), 36)]
        report = inventory_import(actor=None, municipality=m,
                                  data=write_csv(rows, HEADERS["de"][:9]).encode(),
                                  filename="upload.csv", dry_run=False)
        assert report.ok and report.applied, report.render(limit=5)
        total.counts.update(report.counts)
    return total


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
