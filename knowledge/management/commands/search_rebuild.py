from django.core.management.base import BaseCommand

from knowledge import index


class Command(BaseCommand):
    help = ("Suchindex aus der Datenbank neu aufbauen (z. B. nach dem Löschen des Verzeichnisses) / "
            "rebuild the search index from the database")

    def handle(self, *args, **options) -> None:
        count = index.rebuild()
        self.stdout.write(f"Suchindex neu aufgebaut: {count} Dokumente in {index.index_dir()}")
