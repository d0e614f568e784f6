"""JSON log lines for production, shared by Django, gunicorn and the serve supervisor.

Why a module of its own: Django's LOGGING and gunicorn's `logconfig_dict` both import these
classes while logging is configured, before Django's apps are loaded, so nothing here may
import models. The request id lives in a context variable so that every line written while
a request is handled (a warning from a service, a failed outbox consumer) carries it, not
only the access line.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kommunalhub_request_id", default=None)

# Django's request loggers attach the HttpRequest itself; its repr holds the query string,
# which may carry tokens, so it never goes into a log line.
_DROPPED = [*RESERVED_ATTRS, "request", "taskName"]


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, pid, message, extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "process", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger",
                                            "process": "pid"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", _DROPPED)
        super().__init__(*args, **kwargs)


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every record written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def formatter_config(log_format: str) -> dict[str, Any]:
    """The `formatters` entry of a dictConfig for LOG_FORMAT json (default) or text."""
    if log_format == "text":
        return {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}
    return {"()": "hub.logs.JsonFormatter"}
