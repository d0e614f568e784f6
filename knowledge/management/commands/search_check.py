"""`manage.py search_check`: compare the search index's documents with the database rows
(knowledge.index.drift); exit status 1 when they differ."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from knowledge import index


class Command(BaseCommand):
    help = _("Vergleicht den Suchindex mit der Datenbank und meldet Abweichungen.")

    def handle(self, *args, **options) -> None:
        report = index.drift()
        if report:
            raise CommandError(_("Suchindex weicht ab: %(report)s (manage.py search_rebuild "
                                 "behebt es)") % {"report": report})
        self.stdout.write(_("Suchindex und Datenbank stimmen überein."))
