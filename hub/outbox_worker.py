"""The loop of an outbox worker process (`graph_sync`, `outbox_sync`): apply pending events of
one consumer, sleep when idle, back off while the consumer fails.

Why a loop of its own rather than `apply_pending` in a `while True`: when a projection's
engine is down (the graph engine killed, the index directory unwritable) every pass fails,
and retrying every second would flood the log and the engine just as it comes back. The
consumer's cursor stays where it is (hub.outbox never advances past a failed batch), so the
worker only has to wait longer after each failure (interval × 2ⁿ, at most `max_delay`) and
keep going; a database error (PostgreSQL restarting) is treated the same way instead of
ending the process. `check` is an optional health check run at start, after a failure
streak ends and every `check_every` seconds while idle (the graph uses it to notice an
engine that came back empty or from an old snapshot when no event is pending).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection

from hub import outbox

logger = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    applied: int = 0
    failures: int = 0  # failed passes in total
    streak: int = 0  # consecutive failed passes now


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: a long-running worker command (`graph_sync`,
    `outbox_sync`, `graph_engine run`) finishes its pass and exits cleanly when the supervisor
    or systemd stops it."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    return stop


def backoff(streak: int, *, interval: float, max_delay: float) -> float:
    """Seconds to wait after `streak` consecutive failures (0: the normal idle interval)."""
    if streak <= 0:
        return interval
    return min(max_delay, interval * 2 ** (streak - 1))


def _failing(consumer: str) -> bool:
    from hub.models import OutboxCursor

    return bool(OutboxCursor.objects.filter(consumer=consumer, failures__gt=0).exists())


def run(*, consumer: str, stop: threading.Event, batch: int = 5000, interval: float = 1.0,
        max_delay: float = 5.0, once: bool = False, check: Callable[[], object] | None = None,
        check_every: float = 30.0, idle: Callable[[], object] | None = None) -> WorkerStats:
    """Apply `consumer`'s pending events until `stop` is set (or, with `once`, until nothing
    is pending or a pass failed). `idle` runs whenever a pass found nothing to do (the
    graph worker prunes the outbox there: hub.outbox.PruneSchedule)."""
    stats = WorkerStats()
    next_check = 0.0
    while not stop.is_set():
        applied = 0
        try:
            if not connection.in_atomic_block:  # (a caller's transaction, e.g. a test)
                close_old_connections()  # what Django does around each request
            applied = outbox.apply_pending(only=consumer, limit=batch).get(consumer, 0)
            failed = _failing(consumer)
            if not failed and check and applied < batch and (
                    stats.streak or time.monotonic() >= next_check):
                check()
                next_check = time.monotonic() + check_every
        except Exception as exc:  # noqa: BLE001 - the worker outlives a failing dependency
            logger.warning("outbox worker %s: %s", consumer, exc)
            if not connection.in_atomic_block:
                connection.close()  # a broken database connection is reopened next pass
            failed = True
        stats.applied += applied
        if failed:
            stats.failures += 1
            stats.streak += 1
            if once:
                break
            delay = backoff(stats.streak, interval=interval, max_delay=max_delay)
            logger.info("outbox worker %s: pass failed (%s in a row); retry in %.0f s",
                        consumer, stats.streak, delay)
            stop.wait(delay)
            continue
        stats.streak = 0
        if applied >= batch:
            continue
        if once:
            break
        if idle and not applied:
            idle()
        stop.wait(interval)
    return stats
