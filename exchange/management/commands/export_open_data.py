from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.opendata import export_open_data


class Command(BaseCommand):
    help = ("Alle öffentlichen Daten als CSV und JSON mit Datenlexikon (datapackage.json) "
            "exportieren / export all public data with a data dictionary")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, **options):
        counts = export_open_data(directory=options["directory"])
        total = sum(counts.values())
        self.stdout.write(f"{options['directory']}: {len(counts)} Tabellen, {total} Zeilen "
                          f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
