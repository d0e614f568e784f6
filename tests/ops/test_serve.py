"""The production stack for real: gunicorn with two workers, a supervised worker process,
whitenoise's hashed static files, metrics summed over the workers, faults and shutdown."""

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.serve import Stack, free_port

WORKER = "shell -c 'import time; time.sleep(600)'"  # a real management command that stays up


def get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:  # 4xx/5xx: the test looks at status and body
        return exc.code, dict(exc.headers), exc.read()


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def healthz_served(stack) -> float:
    _, _, text = get(stack.url + "/metrics")
    return sum(s.value for family in text_string_to_metric_families(text.decode())
               for s in family.samples if s.name == "kommunalhub_http_requests_total"
               and s.labels["view"] == "healthz" and s.labels["status"] == "200")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(
        f"/proc/{pid}/status").read_text().lower()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("stack")
    log = (tmp_path / "stack.log").open("w")
    stack = Stack(port=free_port(), web_concurrency=2, workers=[WORKER], stdout=log, stderr=log,
                  env={"KOMMUNALHUB_VAR_DIR": str(tmp_path), "LOG_LEVEL": "INFO"})
    with stack:
        yield stack
    log.close()


def test_stack_serves_pages_static_files_and_probes(stack):
    status, _, body = get(stack.url + "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ok", body
    status, headers, page = get(stack.url + "/")
    assert status == 200
    assert "Content-Security-Policy" in headers
    css = re.search(rb'href="(/static/hub/site\.[0-9a-f]{12}\.css)"', page)
    assert css, "manifest storage names static files by their hash"
    status, headers, _ = get(stack.url + css.group(1).decode(), **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]


def test_metrics_are_summed_over_the_gunicorn_workers(stack):
    workers = stack.gunicorn_worker_pids()
    assert len(workers) == 2
    for paused in workers:
        os.kill(paused, signal.SIGSTOP)  # so that the other one takes these requests
        try:
            for _ in range(15):
                get(stack.url + "/healthz")
        finally:
            os.kill(paused, signal.SIGCONT)
    files = {p.name for p in Path(stack.env["PROMETHEUS_MULTIPROC_DIR"]).glob("counter_*.db")}
    assert files >= {f"counter_{pid}.db" for pid in workers}
    assert healthz_served(stack) >= 30


def test_a_killed_gunicorn_worker_is_replaced_and_its_counts_kept(stack):
    for _ in range(10):
        get(stack.url + "/healthz")
    counted = healthz_served(stack)
    before = sorted(stack.gunicorn_worker_pids())
    for pid in before:  # whichever served them, its counts must survive its death
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda pid=pid: len(stack.gunicorn_worker_pids()) == 2
                 and pid not in stack.gunicorn_worker_pids())
    for _ in range(5):
        assert get(stack.url + "/healthz")[0] == 200
    assert healthz_served(stack) >= counted + 5


def test_a_worker_process_that_dies_is_restarted(stack):
    first, restarts = stack.pid("shell"), stack.procs["shell"].restarts
    os.kill(first, signal.SIGKILL)
    second = wait_for(lambda: stack.poll() is None and stack.pid("shell") not in (None, first)
                      and stack.pid("shell"))
    assert second != first
    assert stack.procs["shell"].restarts == restarts + 1
    assert stack.procs["shell"].exit_codes[-1] == -signal.SIGKILL
    assert get(stack.url + "/healthz")[0] == 200  # the web never noticed


def test_a_held_worker_stays_down_until_the_hold_ends(stack):
    first = stack.pid("shell")
    stack.hold("shell", 3.0)
    os.kill(first, signal.SIGKILL)
    killed = time.monotonic()
    wait_for(lambda: stack.poll() is None and stack.pid("shell") not in (None, first))
    assert time.monotonic() - killed >= 2.9


def test_supervising_the_graph_engine_stops_the_others_from_starting_one():
    with_engine = Stack(workers=["graph_engine run", "graph_sync"], setup=False)
    assert with_engine.env["GRAPH_AUTOSTART"] == "0"
    assert with_engine.procs["graph_engine"].argv[-2:] == ["graph_engine", "run"]


def test_reload_replaces_every_process_while_serving(stack):
    web, worker = set(stack.gunicorn_worker_pids()), stack.pid("shell")
    stack.reload()
    answered = []

    def replaced():
        stack.poll()
        answered.append(get(stack.url + "/healthz")[0])
        now = set(stack.gunicorn_worker_pids())
        return (len(now) == 2 and not now & web and stack.pid("shell") not in (None, worker))

    wait_for(replaced, timeout=40)
    assert set(answered) == {200}
    assert stack.procs["shell"].failures == 0  # a reload is not a crash: no backoff


def test_stop_ends_every_process_and_logs_are_json(tmp_path):
    log = (tmp_path / "stack.log").open("w")
    stack = Stack(port=free_port(), web_concurrency=2, workers=[WORKER], stdout=log, stderr=log,
                  env={"KOMMUNALHUB_VAR_DIR": str(tmp_path), "GUNICORN_ACCESS_LOG": "1"})
    with stack:
        pids = [stack.pid("gunicorn"), stack.pid("shell"), *stack.gunicorn_worker_pids()]
        get(stack.url + "/", **{"X-Request-ID": "stack-test-1"})
    log.close()
    assert not any(alive(pid) for pid in pids)
    lines = [json.loads(line) for line in (tmp_path / "stack.log").read_text().splitlines()
             if line.startswith("{")]
    for logger in ("hub.access", "gunicorn.access"):  # Django's line and gunicorn's
        [line] = [line for line in lines
                  if line.get("logger") == logger and line.get("path") == "/"]
        assert line["request_id"] == "stack-test-1"
        assert line["status"] == 200
    assert any(line.get("message", "").startswith("Shutting down") for line in lines)


def _graph_ready(stack) -> tuple[int, bool]:
    status, _, body = get(stack.url + "/readyz?check=graph")
    return status, json.loads(body)["checks"]["graph"]["ok"]


def test_stack_restarts_a_killed_graph_engine_and_readyz_follows(tmp_path):
    log = (tmp_path / "stack.log").open("w")
    stack = Stack(port=free_port(), web_concurrency=2, workers=["graph_engine run"],
                  stdout=log, stderr=log, env={"KOMMUNALHUB_VAR_DIR": str(tmp_path)})
    with stack:
        wait_for(lambda: _graph_ready(stack) == (200, True), timeout=60)
        runner = stack.pid("graph_engine")
        engine = int((tmp_path / "graph" / "redis.pid").read_text())
        stack.hold("graph_engine", 3.0)
        os.kill(engine, signal.SIGKILL)
        assert wait_for(lambda: _graph_ready(stack) == (503, False))
        # no web process started an engine of its own (GRAPH_AUTOSTART=0): still none runs
        pidfile = tmp_path / "graph" / "redis.pid"
        assert not pidfile.exists() or not alive(int(pidfile.read_text()))
        assert stack.pid("gunicorn") and not alive(engine)
        wait_for(lambda: stack.poll() is None and stack.pid("graph_engine") not in (None, runner))
        wait_for(lambda: _graph_ready(stack) == (200, True), timeout=60)
        assert int((tmp_path / "graph" / "redis.pid").read_text()) != engine
    log.close()


def _children(pid: int) -> dict[int, str]:
    """Command lines of a process's children by pid (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    lines = {}
    for child in (path.read_text().split() if path.exists() else []):
        with_args = Path(f"/proc/{child}/cmdline")
        if with_args.exists():
            lines[int(child)] = with_args.read_bytes().replace(b"\0", b" ").decode()
    return lines


def _status(url: str) -> int:
    try:
        return get(url)[0]
    except urllib.error.URLError:  # not listening yet
        return 0


def _pending(url: str) -> dict[str, float]:
    _, _, text = get(url + "/metrics")
    return {s.labels["consumer"]: s.value
            for family in text_string_to_metric_families(text.decode())
            for s in family.samples if s.name == "kommunalhub_outbox_pending_events"}


def test_make_serve_runs_the_engine_and_a_worker_per_projection_by_default(tmp_path):
    """`python -m hub.serve` with nothing configured: the graph engine and the projection
    workers run under the supervisor, and the web processes leave the outbox to them."""
    import subprocess
    import sys

    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in {"SERVE_WORKERS", "OUTBOX_APPLY_ON_COMMIT", "NEO4J_URI", "DATABASE_URL",
                        "GRAPH_AUTOSTART"}}
    env.update(KOMMUNALHUB_VAR_DIR=str(tmp_path), WEB_CONCURRENCY="1")
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([sys.executable, "-m", "hub.serve", "--port", str(port)],
                             env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _status(url + "/readyz") == 200 or serve.poll() is not None,
                 timeout=120)
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        children = _children(serve.pid)
        commands = list(children.values())
        assert any("manage.py graph_engine run" in c for c in commands), commands
        assert any("manage.py graph_sync" in c for c in commands), commands
        assert any("outbox_sync --consumer knowledge.index.consume" in c for c in commands)
        # a bulk load by another process that does not apply projections itself: the
        # workers apply it (the web processes are told not to, so nobody else would)
        subprocess.run([sys.executable, "manage.py", "load_demo", "--only", "municipalities"],
                       env={**env, "OUTBOX_APPLY_ON_COMMIT": "0", "GRAPH_AUTOSTART": "0"},
                       check=True, capture_output=True, timeout=300)
        wait_for(lambda: (p := _pending(url)) and not any(p.values()), timeout=120)
        assert set(_pending(url)) == {"graph.projection.consume", "knowledge.index.consume"}
        status, _, body = get(url + "/readyz")
        assert status == 200 and json.loads(body)["checks"]["graph"]["ok"]
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(90)
        log.close()
    assert code == 0
    assert not any(alive(pid) for pid in children)


def test_the_web_processes_apply_projections_unless_workers_cover_every_consumer():
    from hub.serve import consumers_run_by, worker_env

    consumers = ["graph.projection.consume", "knowledge.index.consume"]
    both = ["graph_engine run", "graph_sync", "outbox_sync --consumer knowledge.index.consume"]
    assert consumers_run_by(both) == set(consumers)
    assert worker_env(both, consumers, environ={}) == {"OUTBOX_APPLY_ON_COMMIT": "0"}
    assert worker_env(["graph_sync"], consumers, environ={}) == {}  # the index would wait
    assert worker_env([], consumers, environ={}) == {}
    assert worker_env(both, consumers, environ={"OUTBOX_APPLY_ON_COMMIT": "1"}) == {}


def test_the_default_workers_follow_the_graph_backend_and_the_consumers():
    import subprocess
    import sys

    def workers(**extra: str) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k not in {"SERVE_WORKERS", "NEO4J_URI"}}
        out = subprocess.run(
            [sys.executable, "-c", "import django, json; django.setup(); from django.conf "
             "import settings; print(json.dumps(settings.SERVE_WORKERS))"],
            env={**env, "DJANGO_SETTINGS_MODULE": "hub.settings", **extra},
            check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    assert workers() == ["graph_engine run", "graph_sync",
                         "outbox_sync --consumer knowledge.index.consume"]
    assert workers(NEO4J_URI="bolt://neo4j.example:7687") == [
        "graph_sync", "outbox_sync --consumer knowledge.index.consume"]
    assert workers(OUTBOX_CONSUMERS="graph.projection.consume") == ["graph_engine run",
                                                                    "graph_sync"]
    assert workers(SERVE_WORKERS="") == []
