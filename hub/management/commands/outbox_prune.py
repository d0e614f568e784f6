"""`manage.py outbox_prune [--keep-days N]`: delete outbox events every consumer has applied
and that are older than N days (default OUTBOX_RETENTION_DAYS). The graph_sync worker does
this by itself; run the command from cron or a systemd timer where no worker runs
(OUTBOX_APPLY_ON_COMMIT on)."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub import outbox


class Command(BaseCommand):
    help = _("Löscht angewendete Outbox-Ereignisse, die älter als die Aufbewahrungsfrist sind.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=float, default=None,
                            help=_("Tage, die angewendete Ereignisse aufbewahrt werden "
                                   "(Standard: OUTBOX_RETENTION_DAYS)"))

    def handle(self, *args, keep_days: float | None, **options) -> None:
        deleted = outbox.prune(keep_days)
        self.stdout.write(ngettext("%(n)s Outbox-Ereignis gelöscht.",
                                   "%(n)s Outbox-Ereignisse gelöscht.", deleted) % {"n": deleted})
