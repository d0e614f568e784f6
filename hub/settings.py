"""Kommunalhub settings: one file, every knob from the environment (see README, "Einstellungen")."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("KOMMUNALHUB_VAR_DIR", BASE_DIR / "var"))
GRAPH_DATA_DIR = Path(os.environ.get("GRAPH_DATA_DIR", VAR_DIR / "graph"))
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", VAR_DIR / "search"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """Production must set SECRET_KEY; local runs get one generated once into var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY muss gesetzt sein, wenn DEBUG aus ist / SECRET_KEY is required when DEBUG is off"
        )
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "guardian",
    "django_filters",
    "graphene_django",
    "hub",
    "api",
    "web",
    "exchange",
    "graph",
    "knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzip-compressed for clients that accept it (the editor's table
    # with its product lists is 400 KB of HTML, ~10× less compressed); after whitenoise,
    # which serves static files precompressed. Django pads the gzip header against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "web.template_backend.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kommunalhub.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE avoids
    # "database is locked" on lock upgrades inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "hub" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
FORMS_URLFIELD_ASSUME_HTTPS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("KOMMUNALHUB_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# GraphiQL's scripts and styles come from node_modules (npm ci), served as our own static
# files by api.graphiql.GraphiQLFinder (README, "GraphQL-API").
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "api.graphiql.GraphiQLFinder",
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kommunalhub@localhost")

# Graph projection: Neo4j when NEO4J_URI is set, else the embedded FalkorDB engine.
NEO4J_URI = os.environ.get("NEO4J_URI", "")
NEO4J_USER = os.environ.get("NEO4J_USER", "neo4j")
NEO4J_PASSWORD = os.environ.get("NEO4J_PASSWORD", "")
NEO4J_DATABASE = os.environ.get("NEO4J_DATABASE", "neo4j")
# Name of the graph inside the embedded engine; the full similarity job reruns in the
# background once this many municipalities changed their usages since the last run.
GRAPH_NAME = os.environ.get("GRAPH_NAME", "kommunalhub")
GRAPH_SIMILARITY_RERUN_AFTER = int(os.environ.get("GRAPH_SIMILARITY_RERUN_AFTER", "500"))
# Whether a process that finds the embedded engine down starts it itself (development, tests).
# Off where a supervisor runs it (`manage.py graph_engine run`, as hub.serve does): a web
# request must not wait for an engine to load its snapshot, and one owner restarts it.
GRAPH_AUTOSTART = env_bool("GRAPH_AUTOSTART", True)

# Web interface: "ask the users" messages a member may send per 24 hours.
ASK_USERS_PER_DAY = int(os.environ.get("ASK_USERS_PER_DAY", "3"))

# Outbox consumers (dotted paths to callables taking a list of events); the projections
# register themselves here. Applied right after commit unless a separate worker runs them.
OUTBOX_CONSUMERS: list[str] = env_list(
    "OUTBOX_CONSUMERS", "graph.projection.consume,knowledge.index.consume")
OUTBOX_APPLY_ON_COMMIT = env_bool("OUTBOX_APPLY_ON_COMMIT", True)
# Outbox pruning (hub.outbox.prune): applied events older than this many days are deleted by
# the graph_sync worker every OUTBOX_PRUNE_INTERVAL_SECONDS (0: never) or `manage.py outbox_prune`.
OUTBOX_RETENTION_DAYS = float(os.environ.get("OUTBOX_RETENTION_DAYS", "7"))
OUTBOX_PRUNE_INTERVAL_SECONDS = float(os.environ.get("OUTBOX_PRUNE_INTERVAL_SECONDS", "3600"))

# Knowledge base search: seconds a writer waits for the Whoosh index lock before giving up
# (the outbox retries later); the index lives in SEARCH_INDEX_DIR.
SEARCH_WRITE_TIMEOUT = float(os.environ.get("SEARCH_WRITE_TIMEOUT", "60"))

# A usage not confirmed for this many days counts as stale (18 months).
USAGE_STALE_AFTER_DAYS = int(os.environ.get("USAGE_STALE_AFTER_DAYS", "548"))

# Imports (exchange app): limits for uploaded and command-line files.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "5000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Betrieb / Operations ---------------------------------------------------------------
# Production hardening, health, logs and metrics (README, "Betrieb / Operations"). This
# section only adds to the lists above.
from datetime import timedelta  # noqa: E402

from csp.constants import NONCE, NONE, SELF  # noqa: E402

from hub import serve  # noqa: E402  (stdlib only: the default SERVE_WORKERS)
from hub.logs import formatter_config  # noqa: E402

# Rotating SECRET_KEY: put the old key here (comma-separated) until sessions, password-reset
# links and other signatures made with it have expired.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# Declare HTTPS=1 when users reach the hub over TLS (usually terminated at a proxy). Only
# then: redirect to https, HSTS, secure cookies. A plain-HTTP stack on loopback (a local
# `make serve`, the soak test) keeps working without it.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's decision (a submission to the browsers' lists that is
    # slow to undo), not the software's; SECURE_HSTS_PRELOAD=1 opts in.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
# gunicorn already marks requests as https from X-Forwarded-Proto, but only when the peer is
# in FORWARDED_ALLOW_IPS. Set this ("HTTP_X_FORWARDED_PROTO,https") only behind other servers.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = tuple(env_list("SECURE_PROXY_SSL_HEADER"))
# Proxies whose X-Forwarded-For names the client (logs, metrics allow-list, login lockout);
# the same variable tells gunicorn whose X-Forwarded-Proto to believe. "*" trusts any peer.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): own origin only, no inline scripts or styles. A page
# that needs an inline script or style marks it with nonce="{{ request.csp_nonce }}"; a view
# that needs more (GraphiQL) widens its own policy with csp.decorators.csp_update.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": HTTPS,
        **({"report-uri": os.environ["CSP_REPORT_URI"]} if os.environ.get("CSP_REPORT_URI")
           else {}),
    },
}

# Brute-force protection on every login (django-axes): after LOGIN_FAILURE_LIMIT failures for
# one username from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # keep failed attempts only, not every successful login
AXES_LOCKOUT_CALLABLE = "hub.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "hub.observability.client_ip"

INSTALLED_APPS += ["csp", "axes"]
# axes' backend must come first: it refuses locked-out attempts before any password check.
AUTHENTICATION_BACKENDS = ["hub.security.LoginThrottleBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE = [
    "hub.observability.RequestLogMiddleware",  # outermost: times and logs everything below
    "hub.observability.ProbeMiddleware",  # /healthz, /readyz, /metrics before host checks
    *MIDDLEWARE,
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes requires
]

# Readiness (/readyz): dotted paths to callables returning (ok, detail). Packages add theirs,
# e.g. READINESS_CHECKS += ["graph.health.check_graph"].
READINESS_CHECKS = ["hub.health.check_database", "hub.health.check_outbox"]
READINESS_CHECKS.append("knowledge.index.check_search")
READINESS_CHECKS.append("graph.health.check_graph")
READY_OUTBOX_MAX_AGE_SECONDS = float(os.environ.get("READY_OUTBOX_MAX_AGE_SECONDS", "300"))

# /metrics (Prometheus): from these addresses/networks, or with "Authorization: Bearer <token>".
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Where the GraphQL API answers; its operation names go into the access log.
GRAPHQL_PATH = "/graphql"

# Management commands `make serve` runs next to gunicorn and restarts when they exit
# (hub.serve), comma-separated in the environment. The default is the production set: the
# embedded graph engine (unless Neo4j is configured) and one worker per outbox consumer, so
# the web processes leave the projections to them. SERVE_WORKERS="" runs gunicorn alone
# (projections then apply right after each commit).
SERVE_WORKERS = env_list("SERVE_WORKERS", ",".join(
    serve.default_workers(OUTBOX_CONSUMERS, neo4j=bool(NEO4J_URI))))

# Logs: one JSON object per line (LOG_FORMAT=json, the default without DEBUG) with the
# request id on every line written during a request; LOG_FORMAT=text for humans.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING["formatters"] = {"default": formatter_config(LOG_FORMAT)}
LOGGING["filters"] = {"request_id": {"()": "hub.logs.RequestIdFilter"}}
LOGGING["handlers"]["console"].update(formatter="default", filters=["request_id"])
LOGGING["loggers"]["hub.access"] = {"level": "INFO"}

# GraphQL API (api/): see README "GraphQL-API".
GRAPHENE = {
    "SCHEMA": "api.schema.schema",
    "MIDDLEWARE": [],
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}
API_MAX_PAGE_SIZE = 100
API_MAX_DEPTH = int(os.environ.get("API_MAX_DEPTH", "15"))
API_MAX_COST = int(os.environ.get("API_MAX_COST", "50000"))
API_RATE_LIMIT_ANONYMOUS = os.environ.get("API_RATE_LIMIT_ANONYMOUS", "60/m")
API_RATE_LIMIT_AUTHENTICATED = os.environ.get("API_RATE_LIMIT_AUTHENTICATED", "600/m")
API_TOKEN_TOUCH_SECONDS = int(os.environ.get("API_TOKEN_TOUCH_SECONDS", "60"))
# Rate counters: local memory per process by default; a Redis URL shares them between workers.
_RATELIMIT_CACHE_URL = os.environ.get("API_RATELIMIT_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _RATELIMIT_CACHE_URL}
        if _RATELIMIT_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"
if os.environ.get("RATELIMIT_IP_META_KEY"):
    RATELIMIT_IP_META_KEY = os.environ["RATELIMIT_IP_META_KEY"]  # e.g. behind a proxy
