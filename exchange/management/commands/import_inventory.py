from pathlib import Path

from django.core.management.base import CommandError

from exchange.inventory import inventory_import
from exchange.management.base import ReportCommand
from hub import selectors


class Command(ReportCommand):
    help = ("Software-Inventar (CSV) importieren, alles oder nichts: einer Kommune (--ags) oder "
            "mit AGS-Spalte für viele Kommunen / import a software inventory, all or nothing")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--ags", help="AGS der Kommune (sonst braucht die Datei eine AGS-Spalte)")
        parser.add_argument("--no-new-software", action="store_true",
                            help="unbekannte Produkte ablehnen statt anlegen")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        municipality = None
        if options["ags"]:
            municipality = selectors.municipality_get(ags=options["ags"])
            if municipality is None:
                raise CommandError(f"Unbekannter AGS / unknown AGS: {options['ags']}")
        # The command line is for administrators: the upload limits do not apply.
        report = inventory_import(actor=self.actor(options), municipality=municipality,
                                  data=options["file"].read_bytes(), filename=options["file"].name,
                                  dry_run=options["dry_run"],
                                  create_software=not options["no_new_software"],
                                  max_bytes=None, max_rows=None, progress=self.progress(options))
        self.finish(report, options)
