"""`manage.py graph_sync [--once] [--interval 1.0]`: the outbox consumer as a worker.

Runs until stopped (SIGTERM/SIGINT end it after the current batch). Use it with
OUTBOX_APPLY_ON_COMMIT=0 in production, where web processes should not write to the graph.
While the graph engine is down it retries with a growing delay (hub/outbox_worker.py), and
it rebuilds on its own when the engine comes back empty or from an old snapshot.
When idle it also prunes the outbox (hub.outbox.PruneSchedule: applied events older than
OUTBOX_RETENTION_DAYS, every OUTBOX_PRUNE_INTERVAL_SECONDS), being the hub's one long-lived
outbox worker that always runs in production."""

import threading

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from graph import projection
from hub import outbox, outbox_worker


class Command(BaseCommand):
    help = _("Überträgt ausstehende Änderungen in den Graphen (dauerhaft laufender Worker).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help=_("einmal alles Ausstehende übertragen und beenden"))
        parser.add_argument("--interval", type=float, default=1.0,
                            help=_("Sekunden Pause, wenn nichts aussteht"))
        parser.add_argument("--max-delay", type=float, default=5.0,
                            help=_("längste Pause zwischen Versuchen, solange der Graph fehlt"))
        parser.add_argument("--batch", type=int, default=5000, help=_("Ereignisse je Durchgang"))

    def handle(self, *args, once: bool, interval: float, max_delay: float, batch: int,
               **options) -> None:
        stop = threading.Event() if once else outbox_worker.stop_on_signals()
        stats = outbox_worker.run(consumer=projection.CONSUMER, stop=stop, batch=batch,
                                  interval=interval, max_delay=max_delay, once=once,
                                  check=projection.ensure_current,
                                  idle=outbox.PruneSchedule())
        self.stdout.write(ngettext(
            "%(n)s Ereignis in den Graphen übertragen.", "%(n)s Ereignisse in den Graphen übertragen.",
            stats.applied) % {"n": stats.applied})
