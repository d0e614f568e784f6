"""`manage.py graph_rebuild [--no-similarity]`: rebuild the graph projection from the database."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from graph import projection


class Command(BaseCommand):
    help = _("Baut die Graphprojektion vollständig aus der Datenbank neu auf (idempotent).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-similarity", action="store_true",
                            help=_("Ähnlichkeiten nicht neu berechnen"))

    def handle(self, *args, no_similarity: bool, **options) -> None:
        report = projection.rebuild(with_similarity=not no_similarity)
        counts = ", ".join(f"{k}={v}" for k, v in report.counts.items())
        self.stdout.write(_("Graph neu aufgebaut in %(s).1f s (Ähnlichkeit %(sim).1f s): "
                            "%(counts)s") % {"s": report.seconds, "sim": report.similarity_seconds,
                                             "counts": counts})
