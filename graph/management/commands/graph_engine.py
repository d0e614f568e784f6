"""`manage.py graph_engine status|start|stop`: the embedded graph engine under GRAPH_DATA_DIR.

`start` leaves the engine running after the command exits (every other process reuses it
and never stops it); `stop` stops whichever engine serves the data directory."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from graph import client


class Command(BaseCommand):
    help = _("Status, Start und Stopp der eingebetteten Graph-Engine.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "start", "stop"])

    def handle(self, *args, action: str, **options) -> None:
        if settings.NEO4J_URI:
            raise CommandError(_("NEO4J_URI ist gesetzt: keine eingebettete Engine."))
        engine = client.EmbeddedEngine(settings.GRAPH_DATA_DIR)
        if action == "start":
            engine.ensure()
            engine.detach()
        elif action == "stop":
            engine.shutdown_running()
        running = engine.responding()
        self.stdout.write(_("Graph-Engine %(state)s (pid %(pid)s, %(socket)s)") % {
            "state": _("läuft") if running else _("gestoppt"), "pid": engine.pid() or "-",
            "socket": engine.socket_path})
