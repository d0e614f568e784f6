"""`manage.py graph_engine status|start|stop|run|pid`: the embedded graph engine under
GRAPH_DATA_DIR.

`start` leaves the engine running after the command exits (every other process reuses it
and never stops it); `stop` stops whichever engine serves the data directory; `run` keeps
it in the foreground for a supervisor (graph/engine_run.py); `pid` prints only the engine's
process id (from its pidfile, checked to be alive), exit status 1 when none runs, for
scripts and fault tests."""


from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from graph import client
from graph.engine_run import run_engine
from hub import outbox_worker


class Command(BaseCommand):
    help = _("Status, Start und Stopp der eingebetteten Graph-Engine.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "start", "stop", "run", "pid"])

    def handle(self, *args, action: str, **options) -> None:
        if settings.NEO4J_URI:
            raise CommandError(_("NEO4J_URI ist gesetzt: keine eingebettete Engine."))
        engine = client.EmbeddedEngine(settings.GRAPH_DATA_DIR)
        if action == "pid":
            pid = engine.pid()
            if pid is None:
                raise CommandError(_("Graph-Engine läuft nicht."), returncode=1)
            self.stdout.write(str(pid))
            return
        if action == "run":
            if run_engine(engine, stop=outbox_worker.stop_on_signals()):
                raise CommandError(_("Graph-Engine ist abgestürzt / graph engine died"))
        elif action == "start":
            engine.ensure()
            engine.detach()
        elif action == "stop":
            engine.shutdown_running()
        running = engine.responding()
        self.stdout.write(_("Graph-Engine %(state)s (pid %(pid)s, %(socket)s)") % {
            "state": _("läuft") if running else _("gestoppt"), "pid": engine.pid() or "-",
            "socket": engine.socket_path})
