from pathlib import Path

from django.core.management.base import BaseCommand

from knowledge import exchange


class Command(BaseCommand):
    help = ("Alle Artikel als Markdown-Dateien mit YAML-Kopf schreiben / "
            "export every article as Markdown with YAML front matter")

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        count = exchange.export_articles(directory, progress=options["verbosity"] > 0)
        self.stdout.write(f"{count} Artikel nach {directory} exportiert")
