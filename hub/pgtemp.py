"""A throwaway PostgreSQL cluster from Debian's binaries, for tests, benchmarks and the soak.

Why a wrapper process rather than a pytest fixture: Django reads DATABASE_URL when its
settings load, which pytest-django does before any conftest fixture could start a server.
So `python -m hub.pgtemp -- CMD…` starts a cluster on a free loopback port, runs CMD with
DATABASE_URL pointing at it, and always stops and deletes the cluster afterwards.

PostgreSQL refuses to run as root; as root we run the binaries as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bindir() -> Path:
    env = os.environ.get("PG_BINDIR")
    if env:
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if candidates:
        return Path(candidates[0])
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise SystemExit("PostgreSQL-Binärdateien nicht gefunden / PostgreSQL binaries not found "
                     "(apt-get install postgresql, or set PG_BINDIR)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], as_postgres: bool) -> None:
    if as_postgres:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def cluster(dbname: str = "kommunalhub") -> Iterator[str]:
    """Yield a DATABASE_URL for a fresh cluster; stop and delete it on exit."""
    bindir = _bindir()
    as_root = os.geteuid() == 0
    workdir = Path(tempfile.mkdtemp(prefix="kommunalhub-pg-"))
    if as_root:
        shutil.chown(workdir, "postgres")
    port = _free_port()
    data = workdir / "data"
    _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
          "-E", "UTF8", "--locale=C.UTF-8"], as_root)
    opts = (f"-k {workdir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(workdir / "log"),
          "-w", "start"], as_root)
    try:
        _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
              dbname], as_root)
        yield f"postgres://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], as_root)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m hub.pgtemp -- COMMAND [ARGS…]", file=sys.stderr)
        return 2
    with cluster() as url:
        env = {**os.environ, "DATABASE_URL": url}
        proc = subprocess.Popen(argv, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
