"""`manage.py graph_similarity [--municipality AGS]`: run the similarity job (all rows, or
one municipality's row)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from graph import similarity
from hub.selectors import municipality_get


class Command(BaseCommand):
    help = _("Berechnet die Ähnlichkeiten (Top 50 je Kommune) neu.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="AGS",
                            help=_("nur die Zeile dieser Kommune neu berechnen"))

    def handle(self, *args, municipality: str | None, **options) -> None:
        if municipality:
            place = municipality_get(ags=municipality)
            if place is None:
                raise CommandError(_("Keine Kommune mit AGS %(ags)s.") % {"ags": municipality})
            written = similarity.recompute([place.pk])
            self.stdout.write(ngettext(
                "%(n)s Nachbar für %(m)s berechnet.", "%(n)s Nachbarn für %(m)s berechnet.", written
            ) % {"n": written, "m": place})
            return
        report = similarity.run()
        self.stdout.write(_("Ähnlichkeit für %(m)s Kommunen berechnet: %(r)s Beziehungen in "
                            "%(s).1f s") % {"m": report.municipalities, "r": report.relationships,
                                            "s": report.seconds})
