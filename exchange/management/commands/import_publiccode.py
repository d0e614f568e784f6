from exchange.management.base import ReportCommand
from exchange.publiccode.importer import import_publiccode_files


class Command(ReportCommand):
    help = ("publiccode.yml-Dateien importieren (Dateien oder Verzeichnisse): Software anlegen/"
            "aktualisieren, usedBy als vorgeschlagene Nutzungen / import publiccode.yml files")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        report = import_publiccode_files(actor=self.actor(options), paths=options["paths"],
                                         dry_run=options["dry_run"],
                                         progress=self.progress(options))
        self.finish(report, options)
