"""`manage.py graph_engine run`: the embedded engine as a supervised foreground process.

Why: in production one owner must restart the engine when it dies. hub.serve (or a systemd
unit) runs this command like any worker; it starts the engine (or adopts one that already
serves the data directory), stays in the foreground while the engine lives, exits non-zero
when the engine dies (SIGKILL, out of memory) so the supervisor starts it again, and on
SIGTERM stops the engine with a snapshot. The other processes then run with
GRAPH_AUTOSTART=0: a web request never waits for an engine to load, it gets
GraphUnavailable at once and degrades.
"""

from __future__ import annotations

import logging
import threading

from graph.client import EmbeddedEngine

logger = logging.getLogger(__name__)

ENGINE_DIED = 1


def run_engine(engine: EmbeddedEngine, *, stop: threading.Event, poll: float = 0.5) -> int:
    """Start or adopt the engine and wait; 0 after `stop` (engine shut down with a
    snapshot), ENGINE_DIED when the engine went away on its own."""
    engine.ensure()
    pid = engine.pid()
    logger.info("graph engine running (pid %s) on %s", pid, engine.socket_path)
    # pid None: it died between answering and here (killed while starting); comparing
    # None with None below would keep the runner waiting on an engine that is gone
    gone = pid is None
    while not gone and not stop.wait(poll):
        gone = engine.pid() != pid
    if gone:
        logger.warning("graph engine (pid %s) died", pid)
        engine.detach()  # nothing left to stop at exit
        return ENGINE_DIED
    engine.shutdown_running(save=True)
    return 0
