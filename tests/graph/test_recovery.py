"""Recovery from a graph engine that died (SIGKILL): readiness says so, writes queue in the
outbox, the worker backs off and keeps its cursor, and an engine that comes back from an old
snapshot (or empty) is noticed and rebuilt from the database. Each test kills a private
engine of its own, never the session's."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command

from graph import check, client, health, projection
from graph.engine_run import ENGINE_DIED, run_engine
from hub import outbox, outbox_worker, services
from hub.models import OutboxCursor, OutboxEvent, Usage, UsageStatus
from tests.graph import data

pytestmark = pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")),
                                reason="kills the embedded engine; a Neo4j server is not ours")


@pytest.fixture
def private_graph(tmp_path, settings):
    """A private engine (autostart off, as under hub.serve) as the process's backend, and
    the graph as the only outbox consumer."""
    settings.OUTBOX_CONSUMERS = [projection.CONSUMER]
    engine = client.EmbeddedEngine(tmp_path / "graph")
    engine.ensure()
    backend = client.FalkorBackend(engine, "g", autostart=False)
    previous = client.set_backend(backend)
    yield engine, backend
    client.set_backend(previous)
    backend.close()
    engine.stop(save=False)


def _kill(engine: client.EmbeddedEngine) -> None:
    pid = engine.pid()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while client._alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _wait_for_snapshot(backend: client.FalkorBackend) -> None:
    """The rebuild asks for a background snapshot; wait until it is on disk."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = backend._call("INFO", "persistence")
        if not info["rdb_bgsave_in_progress"]:
            return
        time.sleep(0.05)
    raise AssertionError("snapshot not written")


def _retire_one() -> None:
    usage = Usage.objects.filter(status=UsageStatus.PRODUCTION).order_by("pk").first()
    services.usage_retire(actor=AnonymousUser(), usage=usage)


def _no_drift() -> None:
    report = check.check()
    assert report.ok, report.summary()


def test_backoff_doubles_up_to_its_limit():
    delays = [outbox_worker.backoff(n, interval=1.0, max_delay=10.0) for n in range(7)]
    assert delays == [1.0, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


@pytest.mark.django_db(transaction=True)
def test_engine_back_from_an_old_snapshot_is_noticed_and_rebuilt(private_graph, client):
    engine, backend = private_graph
    data.generate(1)  # committed: the consumer rebuilds right after commit and snapshots
    _wait_for_snapshot(backend)
    _retire_one()  # applied after commit: in the engine's memory, not in its snapshot
    assert not projection.graph_is_behind(backend)
    _kill(engine)
    assert health.check_graph()[0] is False
    answer = client.get("/readyz?check=graph")
    assert answer.status_code == 503 and answer.json()["checks"]["graph"]["ok"] is False
    engine.ensure()  # as the supervisor does: the snapshot predates the retirement
    assert projection.graph_is_behind(backend)
    rebuilt_at = projection.read_meta(backend, "projection")["rebuilt_at"]
    stats = outbox_worker.run(consumer=projection.CONSUMER, stop=threading.Event(), once=True,
                              check=projection.ensure_current)
    assert stats.failures == 0
    assert not projection.graph_is_behind(backend)
    _no_drift()
    # the events after the snapshot were replayed: no rebuild was needed
    assert projection.read_meta(backend, "projection")["rebuilt_at"] == rebuilt_at
    assert client.get("/readyz?check=graph").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_engine_older_than_the_kept_outbox_events_is_rebuilt(private_graph):
    engine, backend = private_graph
    data.generate(1)
    _wait_for_snapshot(backend)
    rebuilt_at = projection.read_meta(backend, "projection")["rebuilt_at"]
    _retire_one()
    last = projection.read_meta(backend, "projection")["last_event"]
    _kill(engine)
    OutboxEvent.objects.filter(id__lte=last - 1).delete()  # pruned: the replay would miss some
    engine.ensure()
    assert projection.ensure_current() is True
    assert projection.read_meta(backend, "projection")["rebuilt_at"] > rebuilt_at
    _no_drift()


@pytest.mark.django_db(transaction=True)
def test_engine_back_empty_is_rebuilt_by_the_worker(private_graph, tmp_path):
    engine, backend = private_graph
    data.generate(1)
    _kill(engine)
    (engine.data_dir / "graph.rdb").unlink(missing_ok=True)
    engine.ensure()
    assert projection.read_meta(backend, "projection") is None
    outbox_worker.run(consumer=projection.CONSUMER, stop=threading.Event(), once=True,
                      check=projection.ensure_current)
    _no_drift()


@pytest.mark.django_db(transaction=True)
def test_worker_backs_off_while_the_engine_is_dead_and_catches_up_after(private_graph, settings):
    engine, backend = private_graph
    data.generate(1)
    settings.OUTBOX_APPLY_ON_COMMIT = False  # the worker alone applies, as in production
    _kill(engine)
    _retire_one()  # the write succeeds and waits in the outbox
    cursor = OutboxCursor.objects.get(consumer=projection.CONSUMER).last_event_id
    stop, result = threading.Event(), {}
    worker = threading.Thread(target=lambda: result.update(stats=outbox_worker.run(
        consumer=projection.CONSUMER, stop=stop, interval=0.05, max_delay=0.4,
        check=projection.ensure_current)))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while OutboxCursor.objects.get(consumer=projection.CONSUMER).failures < 3:
            assert time.monotonic() < deadline, "the worker did not retry"
            time.sleep(0.05)
        assert worker.is_alive()
        stored = OutboxCursor.objects.get(consumer=projection.CONSUMER)
        assert stored.last_event_id == cursor and "unavailable" in stored.last_error
        engine.ensure()
        deadline = time.monotonic() + 120
        while outbox.backlog()[projection.CONSUMER]["pending"]:
            assert time.monotonic() < deadline, outbox.backlog()
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(60)
    assert result["stats"].failures >= 3 and result["stats"].streak == 0
    _no_drift()


def test_engine_runner_exits_when_the_engine_dies_and_stops_it_when_asked(tmp_path):
    engine = client.EmbeddedEngine(tmp_path / "graph")
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(
        code=run_engine(engine, stop=threading.Event(), poll=0.05)))
    runner.start()
    deadline = time.monotonic() + 60
    while not engine.responding():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _kill(engine)
    runner.join(30)
    assert outcome["code"] == ENGINE_DIED

    stop = threading.Event()
    runner = threading.Thread(target=lambda: outcome.update(
        code=run_engine(engine, stop=stop, poll=0.05)))
    runner.start()
    while not engine.responding():
        assert time.monotonic() < deadline + 60
        time.sleep(0.05)
    pid = engine.pid()
    stop.set()
    runner.join(60)
    assert outcome["code"] == 0 and not client._alive(pid)
    assert (engine.data_dir / "graph.rdb").exists()  # stopped with a snapshot


def test_graph_engine_pid_command_prints_the_running_engines_pid(tmp_path, settings, capsys):
    settings.GRAPH_DATA_DIR = tmp_path / "graph"
    with pytest.raises(CommandError):
        call_command("graph_engine", "pid")
    engine = client.EmbeddedEngine(settings.GRAPH_DATA_DIR)
    engine.ensure()
    try:
        capsys.readouterr()
        call_command("graph_engine", "pid")
        assert capsys.readouterr().out.strip() == str(engine.pid())
    finally:
        engine.stop(save=False)


@pytest.mark.django_db(transaction=True)
def test_outbox_sync_command_applies_one_consumer_and_rejects_unknown_ones(private_graph,
                                                                          settings):
    settings.OUTBOX_APPLY_ON_COMMIT = False
    data.generate(2)
    assert outbox.backlog()[projection.CONSUMER]["pending"] > 0
    with pytest.raises(CommandError):
        call_command("outbox_sync", "--consumer", "no.such.consumer", "--once")
    call_command("outbox_sync", "--consumer", projection.CONSUMER, "--once")
    assert outbox.backlog()[projection.CONSUMER]["pending"] == 0
    _no_drift()
