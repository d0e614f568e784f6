from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge import exchange


class Command(BaseCommand):
    help = ("Artikel aus Markdown-Dateien mit YAML-Kopf importieren (idempotent) / "
            "import articles from Markdown files with YAML front matter")

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        try:
            report = exchange.import_articles(directory, progress=options["verbosity"] > 0)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        for result in report.files:
            if result.status == exchange.FAILED or result.messages:
                for message in result.messages:
                    self.stderr.write(f"{result.path}: {result.status}: {message}")
        self.stdout.write(f"Import {directory}: {report.summary()}")
        if report.count(exchange.FAILED):
            raise CommandError(f"{report.count(exchange.FAILED)} Datei(en) fehlerhaft")
