"""The embedded engine's lifecycle and safety: start, reuse, stop only one's own, no TCP,
password required, stale pidfiles, restart on demand, atomic rebuild swap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph import client

pytestmark = pytest.mark.skipif(bool(settings.NEO4J_URI), reason="embedded engine only")


@pytest.fixture
def engine_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e")


def _listening_tcp_inodes() -> set[str]:
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(name):
            continue
        with open(name) as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def test_engine_listens_on_its_unix_socket_only_and_requires_the_password(engine_dir):
    engine = client.EmbeddedEngine(engine_dir)
    try:
        engine.ensure()
        pid = engine.pid()
        assert pid and engine.owned
        assert not (_socket_inodes(pid) & _listening_tcp_inodes())
        assert oct(engine.socket_path.stat().st_mode & 0o777) == "0o700"
        assert oct((engine_dir / "password").stat().st_mode & 0o777) == "0o600"
        assert "BOLT" not in (engine_dir / "redis.conf").read_text().upper()
        no_retry = Retry(NoBackoff(), 0)
        anonymous = redis.Redis(unix_socket_path=str(engine.socket_path), retry=no_retry)
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        wrong = redis.Redis(unix_socket_path=str(engine.socket_path), password="wrong",
                            retry=no_retry)
        with pytest.raises(redis.AuthenticationError):
            wrong.ping()
    finally:
        engine.stop(save=False)
    assert engine.pid() is None


def test_engine_is_reused_and_only_its_starter_stops_it(engine_dir):
    first = client.EmbeddedEngine(engine_dir)
    second = client.EmbeddedEngine(engine_dir)
    try:
        first.ensure()
        pid = first.pid()
        second.ensure()
        assert second.pid() == pid and not second.owned
        second.stop()
        assert first.responding()
    finally:
        first.stop(save=False)
    assert not second.responding()


def test_engine_replaces_a_stale_pidfile_and_socket(engine_dir):
    gone = subprocess.Popen(["true"])
    gone.wait()
    engine = client.EmbeddedEngine(engine_dir)
    engine.data_dir.mkdir(parents=True, exist_ok=True)
    engine.pid_path.write_text(str(gone.pid))
    engine.socket_path.write_text("")
    try:
        engine.ensure()
        assert engine.owned and engine.pid() != gone.pid
    finally:
        engine.stop(save=False)


def test_graph_survives_a_restart_through_its_snapshot(engine_dir):
    engine = client.EmbeddedEngine(engine_dir)
    backend = client.FalkorBackend(engine, "keep")
    try:
        backend.write("CREATE (:Meta {key: 'x', value: 42})")
        engine.stop()
        assert not engine.responding()
        assert backend.read("MATCH (m:Meta {key: 'x'}) RETURN m.value AS v") == [{"v": 42}]
        assert engine.owned  # the backend started it again on demand
    finally:
        backend.close()
        engine.stop(save=False)


def test_backend_without_autostart_reports_the_engine_unavailable(engine_dir):
    engine = client.EmbeddedEngine(engine_dir)
    backend = client.FalkorBackend(engine, "g", autostart=False)
    with pytest.raises(client.GraphUnavailable):
        backend.read("RETURN 1 AS one")
    assert engine.pid() is None


def test_rebuild_keeps_the_old_graph_readable_until_the_swap(graph):
    if graph.engine != "falkordb":
        pytest.skip("Neo4j rebuilds in place")
    graph.write("CREATE (:Meta {key: 'old'})")
    with graph.rebuilding() as staging:
        staging.write("CREATE (:Meta {key: 'new'})")
        assert graph.read("MATCH (m:Meta) RETURN m.key AS k") == [{"k": "old"}]
    assert graph.read("MATCH (m:Meta) RETURN m.key AS k") == [{"k": "new"}]
    assert graph.read("MATCH (m:Meta {key: 'new'}) RETURN count(m) AS n") == [{"n": 1}]


def test_failed_rebuild_leaves_the_old_graph_in_place(graph):
    if graph.engine != "falkordb":
        pytest.skip("Neo4j rebuilds in place")
    graph.write("CREATE (:Meta {key: 'old'})")
    with pytest.raises(RuntimeError), graph.rebuilding() as staging:
        staging.write("CREATE (:Meta {key: 'half'})")
        raise RuntimeError("database read failed")
    assert graph.read("MATCH (m:Meta) RETURN m.key AS k") == [{"k": "old"}]


def test_engine_stops_when_the_process_that_started_it_is_terminated(engine_dir):
    script = ("import sys, time, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
              "'hub.settings'); django.setup(); from graph import client; "
              f"e = client.EmbeddedEngine({str(engine_dir)!r}); e.ensure(); "
              "print(e.pid(), flush=True); time.sleep(60)")
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        pid = int(owner.stdout.readline())
        assert client._alive(pid)
        owner.terminate()
        owner.wait(timeout=60)
        assert not client._alive(pid)
    finally:
        if owner.poll() is None:
            owner.kill()
        client.EmbeddedEngine(engine_dir).shutdown_running(save=False)
