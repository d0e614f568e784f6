"""`manage.py generate_dataset --municipalities 11000 --software 2000
--usages-per-municipality 40 --seed 1 [--flush]`: see hub.dataset."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from hub import dataset


class Command(BaseCommand):
    help = _("Erzeugt einen synthetischen Datensatz in Deutschland-Größe (für Benchmarks).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipalities", type=int, default=11_000,
                            help=_("Zahl der Gemeinden (Kreise kommen hinzu)"))
        parser.add_argument("--software", type=int, default=2_000,
                            help=_("Zahl der Softwareprodukte"))
        parser.add_argument("--usages-per-municipality", type=int, default=40,
                            help=_("Nutzungen je Kommune"))
        parser.add_argument("--seed", type=int, default=1,
                            help=_("Zufallsstartwert; gleicher Wert, gleiche Daten"))
        parser.add_argument("--flush", action="store_true",
                            help=_("Vorher die GANZE Datenbank leeren (manage.py flush), "
                                   "auch Benutzerkonten"))

    def handle(self, *args, municipalities: int, software: int,
               usages_per_municipality: int, seed: int, flush: bool, **options) -> None:
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        started = time.monotonic()
        try:
            counts = dataset.generate(municipalities=municipalities, software=software,
                                      usages_per_municipality=usages_per_municipality,
                                      seed=seed, progress=options["verbosity"] > 0)
        except (dataset.DatabaseNotEmpty, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{k}={v}" for k, v in counts.items())
        self.stdout.write(_("Synthetischer Datensatz in %(seconds).1f s erzeugt – %(summary)s")
                          % {"seconds": time.monotonic() - started, "summary": summary})
