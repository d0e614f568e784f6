"""`manage.py outbox_sync --consumer knowledge.index.consume [--once]`: one outbox consumer as
a worker process (hub/outbox_worker.py), for projections without a worker of their own (the
search index) when OUTBOX_APPLY_ON_COMMIT=0. The graph has `graph_sync`."""

import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from hub import outbox_worker


class Command(BaseCommand):
    help = _("Wendet ausstehende Outbox-Ereignisse eines Verbrauchers an (dauerhaft laufender "
             "Worker).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consumer", required=True,
                            help=_("Verbraucher aus OUTBOX_CONSUMERS"))
        parser.add_argument("--once", action="store_true",
                            help=_("einmal alles Ausstehende anwenden und beenden"))
        parser.add_argument("--interval", type=float, default=1.0,
                            help=_("Sekunden Pause, wenn nichts aussteht"))
        parser.add_argument("--max-delay", type=float, default=5.0,
                            help=_("längste Pause zwischen Versuchen nach Fehlern"))

    def handle(self, *args, consumer: str, once: bool, interval: float, max_delay: float,
               **options) -> None:
        if consumer not in settings.OUTBOX_CONSUMERS:
            raise CommandError(_("Unbekannter Verbraucher %(name)s (OUTBOX_CONSUMERS: %(known)s)")
                               % {"name": consumer, "known": ", ".join(settings.OUTBOX_CONSUMERS)})
        stop = threading.Event() if once else outbox_worker.stop_on_signals()
        stats = outbox_worker.run(consumer=consumer, stop=stop, interval=interval,
                                  max_delay=max_delay, once=once)
        self.stdout.write(_("%(n)s Ereignisse angewendet (%(consumer)s), %(f)s Fehlversuche.")
                          % {"n": stats.applied, "consumer": consumer, "f": stats.failures})
