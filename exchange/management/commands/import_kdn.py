from pathlib import Path

from django.core.management.base import CommandError

from exchange.kdn import import_kdn
from exchange.management.base import ReportCommand


class Command(ReportCommand):
    help = ("Rohtabellen der KDN OZG-Datenbank (IT-Dienstleister, Kommunen) prüfen und "
            "übernehmen; was nicht passt, wird gemeldet / check and import the raw KDN tables")

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=Path, help="ozg_service_provider als CSV")
        parser.add_argument("--communes", type=Path, help="ozg_commune als CSV")
        parser.add_argument("--state", default="05", help="erwartetes Land (Standard 05, NRW)")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        if not options["providers"] and not options["communes"]:
            raise CommandError("--providers und/oder --communes angeben")
        report = import_kdn(
            actor=self.actor(options),
            providers=options["providers"].read_bytes() if options["providers"] else None,
            communes=options["communes"].read_bytes() if options["communes"] else None,
            dry_run=options["dry_run"], state=options["state"])
        self.finish(report, options)
