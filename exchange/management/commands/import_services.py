from pathlib import Path

from exchange.catalogue import import_services
from exchange.management.base import ReportCommand


class Command(ReportCommand):
    help = ("Leistungskatalog importieren (OZG-Themenfelder/Lebenslagen, OZG-Leistungen, "
            "LeiKa-Leistungen; Dateien oder ein Verzeichnis) / import the service catalogue")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        super().add_arguments(parser)

    def handle(self, *args, **options):
        files = []
        for path in options["paths"]:
            found = sorted(path.glob("*.csv")) if path.is_dir() else [path]
            files += [(p.name, p.read_bytes()) for p in found]
        report = import_services(actor=self.actor(options), files=files,
                                 dry_run=options["dry_run"])
        self.finish(report, options)
