from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.backup import backup


class Command(BaseCommand):
    help = ("Vollständige Sicherung des Hubs als JSON (.gz komprimiert) / full JSON backup; "
            "enthält personenbezogene Daten")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        counts = backup(path=options["file"])
        self.stdout.write(f"{options['file']}: {sum(counts.values())} Datensätze aus "
                          f"{sum(1 for n in counts.values() if n)} Tabellen")
