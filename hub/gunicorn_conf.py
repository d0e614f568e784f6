"""gunicorn settings for production: `gunicorn -c python:hub.gunicorn_conf hub.wsgi`.

`make serve` (hub.serve) uses this; so can a systemd unit or a container. Every value comes
from the environment with a default that suits a hub behind a TLS-terminating proxy:

- HOST, PORT (127.0.0.1:8000); WEB_CONCURRENCY workers (2 × CPUs + 1, at most 12);
  GUNICORN_THREADS > 1 switches to threaded workers.
- GUNICORN_TIMEOUT 30 s: a request running longer is killed and logged (the API's cost
  limits keep legitimate queries far below); GUNICORN_GRACEFUL_TIMEOUT 30 s on restarts.
- GUNICORN_MAX_REQUESTS 1000 with jitter 100: workers are recycled now and then, so a slow
  leak never grows, and not all at once.
- FORWARDED_ALLOW_IPS (loopback): the proxies whose X-Forwarded-Proto gunicorn believes;
  Django's settings read the same variable for X-Forwarded-For.
- Logs are JSON lines on stderr (LOG_FORMAT=text for humans). Django writes the access line
  (with request id, user, GraphQL operation); GUNICORN_ACCESS_LOG=1 adds gunicorn's own
  access line, also JSON, e.g. to see requests that never reached Django.
- PROMETHEUS_MULTIPROC_DIR: where the workers' metrics meet (see hub.metrics). When unset,
  var/prometheus is used and emptied at start.
"""

from __future__ import annotations

import os
from pathlib import Path

from gunicorn import glogging

from hub.logs import formatter_config
from hub.serve import default_metrics_dir, env_flag, prepare_metrics_dir


def _default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return min(2 * cpus + 1, 12)


def _bind(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


bind = [_bind(os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))]
workers = int(os.environ.get("WEB_CONCURRENCY") or _default_workers())
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "kommunalhub"
# The heartbeat file on a disk-backed /tmp can stall workers; /dev/shm is memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's control socket defaults to one path per user: two stacks would share it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

_metrics_dir_is_ours = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _metrics_dir_is_ours:
    # Set before any worker imports prometheus_client; workers inherit the environment.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(default_metrics_dir())


def on_starting(server) -> None:
    if _metrics_dir_is_ours:
        prepare_metrics_dir(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class JsonAccessLogger(glogging.Logger):
    """gunicorn's access line as fields of a JSON record instead of an Apache format string."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((k.lower(), v) for k, v in (resp.headers or []))
        self.access_log.info("%s %s %s", environ.get("REQUEST_METHOD"),
                             environ.get("PATH_INFO"), status, extra={
            "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
            "status": int(status), "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "request_id": headers.get("x-request-id"),
        })


logger_class = JsonAccessLogger
accesslog = "-" if env_flag("GUNICORN_ACCESS_LOG") else None
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": formatter_config(os.environ.get("LOG_FORMAT", "json"))},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"],
                           "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}
