from pathlib import Path

from django.core.management.base import CommandError

from exchange.inventory import inventory_import
from exchange.management.base import ReportCommand
from hub import selectors


class Command(ReportCommand):
    help = ("Software-Inventar einer Kommune (CSV) importieren, alles oder nichts / import a "
            "municipality's software inventory (CSV), all or nothing")

    def add_arguments(self, parser):
        parser.add_argument("ags", help="AGS der Kommune")
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-new-software", action="store_true",
                            help="unbekannte Produkte ablehnen statt anlegen")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        municipality = selectors.municipality_get(ags=options["ags"])
        if municipality is None:
            raise CommandError(f"Unbekannter AGS / unknown AGS: {options['ags']}")
        report = inventory_import(actor=self.actor(options), municipality=municipality,
                                  data=options["file"].read_bytes(), filename=options["file"].name,
                                  dry_run=options["dry_run"],
                                  create_software=not options["no_new_software"])
        self.finish(report, options)
