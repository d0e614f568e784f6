from pathlib import Path

from exchange.backup import restore
from exchange.management.base import ReportCommand


class Command(ReportCommand):
    help = ("Sicherung in eine leere, migrierte Datenbank zurückspielen / restore a backup "
            "into an empty database")
    dry_run_option = False

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        super().add_arguments(parser)

    def handle(self, *args, **options):
        report = restore(path=options["file"], progress=self.progress(options))
        self.finish(report, options)
