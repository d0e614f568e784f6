"""`manage.py graph_sync [--once] [--interval 1.0]`: the outbox consumer as a worker.

Runs until stopped (SIGTERM/SIGINT end it after the current batch). Use it with
OUTBOX_APPLY_ON_COMMIT=0 in production, where web processes should not write to the graph.
When idle it also prunes the outbox (hub.outbox.PruneSchedule: applied events older than
OUTBOX_RETENTION_DAYS, every OUTBOX_PRUNE_INTERVAL_SECONDS), being the hub's one long-lived
outbox worker."""

import signal
import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from graph import projection
from hub import outbox


class Command(BaseCommand):
    help = _("Überträgt ausstehende Änderungen in den Graphen (dauerhaft laufender Worker).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help=_("einmal alles Ausstehende übertragen und beenden"))
        parser.add_argument("--interval", type=float, default=1.0,
                            help=_("Sekunden Pause, wenn nichts aussteht"))
        parser.add_argument("--batch", type=int, default=5000, help=_("Ereignisse je Durchgang"))

    def handle(self, *args, once: bool, interval: float, batch: int, **options) -> None:
        stop = {"now": False}

        def request_stop(signum, frame) -> None:
            stop["now"] = True

        if not once:
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
        total = 0
        prune = outbox.PruneSchedule()
        while not stop["now"]:
            applied = projection.sync(limit=batch)
            total += applied
            if once and applied < batch:
                break
            if not applied:
                prune()
                time.sleep(interval)
        self.stdout.write(ngettext(
            "%(n)s Ereignis in den Graphen übertragen.", "%(n)s Ereignisse in den Graphen übertragen.", total
        ) % {"n": total})
