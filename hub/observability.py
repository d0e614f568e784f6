"""Request ids, the JSON access line, request metrics and the probe endpoints.

`RequestLogMiddleware` is the outermost middleware: it times everything below it, so the
duration, the metrics and the log line also cover redirects, static files and errors. It
takes the caller's X-Request-ID (a proxy's or a client's) when it looks like an id, makes
one otherwise, and returns it in the response so a user's bug report can be matched to
the log.

`ProbeMiddleware` answers /healthz, /readyz and /metrics before host validation, the HTTPS
redirect, sessions and CSRF: load balancers and Prometheus call the backend by address,
over plain HTTP, with whatever Host header they like, and must get an answer all the same.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.request import RawPostDataException

from hub import health, metrics
from hub.logs import request_id_var

access_logger = logging.getLogger("hub.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_NAMED_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
_GRAPHQL_BODY_LIMIT = 1_000_000  # operation names are for logs; bigger bodies are not parsed


@functools.lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    if "*" in allowed:
        return None
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def _trusted_proxy(address: str) -> bool:
    networks = _networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if networks is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address, looking through proxies listed in FORWARDED_ALLOW_IPS.

    X-Forwarded-For is read from the right: each trusted proxy appended the address it
    saw, so the first untrusted address is the client. Behind an untrusted peer the header
    is ignored, since anybody can send it. Used by the logs, the metrics allow-list and the
    login lockout (django-axes)."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _trusted_proxy(remote):
        return remote
    result = remote
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        result = hop
        if not _trusted_proxy(hop):
            break
    return result


def graphql_operation(request: HttpRequest) -> str | None:
    """The operation name of a GraphQL request, for the log line; None for other requests.

    Read before the view runs (afterwards the body may be consumed). A view that knows
    better may set `request.graphql_operation` itself."""
    if request.path_info.rstrip("/") != settings.GRAPHQL_PATH.rstrip("/"):
        return None
    if request.method == "GET":
        return _operation_of(request.GET)
    if request.method != "POST" or request.content_type != "application/json":
        return None
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > _GRAPHQL_BODY_LIMIT:
            return None
        data = json.loads(request.body)
    except (ValueError, RawPostDataException, RequestDataTooBig):
        return None
    if isinstance(data, list):  # batched operations
        names = [_operation_of(item) for item in data[:20] if isinstance(item, dict)]
        return ",".join(name for name in names if name) or None
    return _operation_of(data) if isinstance(data, dict) else None


def _operation_of(data) -> str | None:
    name = data.get("operationName")
    if not name and isinstance(data.get("query"), str):
        match = _NAMED_OPERATION.match(data["query"])
        name = match.group(1) if match else None
    if isinstance(name, str) and _OPERATION_NAME.fullmatch(name):
        return name
    return None


def _view_name(request: HttpRequest) -> str:
    endpoint = getattr(request, "ops_endpoint", None)
    if endpoint:
        return endpoint
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 - the session store being down must not lose the log line
        return None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            operation = graphql_operation(request)
            started = time.perf_counter()
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            view = _view_name(request)
            metrics.observe_request(view=view, method=request.method or "",
                                    status=response.status_code, seconds=seconds)
            self._log(request, response, view, seconds,
                      getattr(request, "graphql_operation", None) or operation)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, view: str, seconds: float,
             operation: str | None) -> None:
        status = response.status_code
        if getattr(request, "ops_endpoint", None):
            # probes every few seconds would drown the real traffic; a failing one is news
            level = logging.WARNING if status >= 500 else logging.DEBUG
        else:
            level = logging.ERROR if status >= 500 else logging.INFO
        fields = {
            "method": request.method, "path": request.path, "status": status,
            "duration_ms": round(seconds * 1000, 1), "view": view,
            "user_id": _user_id(request), "client_ip": client_ip(request),
        }
        if operation:
            fields["graphql_operation"] = operation
        # The query string is left out: it may carry tokens or personal search terms.
        access_logger.log(level, "%s %s %s", request.method, request.path, status, extra=fields)


class ProbeMiddleware:
    ROUTES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
        "/healthz": health.healthz,
        "/readyz": health.readyz,
        "/metrics": metrics.metrics_view,
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        view = self.ROUTES.get(path)
        if view is None:
            return self.get_response(request)
        request.ops_endpoint = path.lstrip("/")
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)
