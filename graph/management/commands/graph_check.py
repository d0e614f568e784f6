"""`manage.py graph_check [--details 20]`: report drift between the database and the graph.
Exits with status 1 when they differ."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from graph import check


class Command(BaseCommand):
    help = _("Vergleicht den Graphen mit der Datenbank und meldet Abweichungen.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--details", type=int, default=10,
                            help=_("höchstens so viele Einzelabweichungen je Art zeigen"))

    def handle(self, *args, details: int, **options) -> None:
        report = check.check()
        if report.ok:
            self.stdout.write(_("Graph und Datenbank stimmen überein: %(n)s Knoten, %(r)s "
                                "Beziehungen; Ähnlichkeit berechnet %(at)s")
                              % {"n": report.nodes, "r": report.relationships,
                                 "at": report.similarity_computed_at or _("nie")})
            return
        for drift in report.drifts:
            for label, keys in ((_("fehlt im Graphen"), drift.missing),
                                (_("nur im Graphen"), drift.extra)):
                for key in keys[:details]:
                    self.stdout.write(f"{drift.kind} {key}: {label}")
            for key, expected, actual in drift.different[:details]:
                self.stdout.write(f"{drift.kind} {key}: {_('Datenbank')} {expected} ≠ "
                                  f"{_('Graph')} {actual}")
        raise CommandError(_("Abweichungen: %(summary)s (manage.py graph_rebuild behebt sie)")
                           % {"summary": report.summary()})
