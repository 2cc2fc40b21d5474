"""Overlay settings, read from the environment.

Every value has a safe default for the embedded mode (SQLite, no broker
server); production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``,
``CACHE_URL``, ``SECRET_KEY``, ``DEBUG=0`` and ``ALLOWED_HOSTS``. With ``DEBUG``
off Overlay is served over HTTPS only (HSTS, redirect, secure cookies) unless
``HTTPS_ONLY=0`` says otherwise, as the plain-http demo on 127.0.0.1 does.
"""

import os
from pathlib import Path

import dj_database_url

from overlay.env import Environment, SettingsProblems, contradictions
from overlay.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


# Every variable is read through one Environment: what cannot be read is listed with the rest at the end.
env = Environment()
env_bool, env_int, env_float, env_list = env.boolean, env.integer, env.number, env.items

DEBUG = env_bool("DEBUG", False)
# A developer, or a `make run` checkout (no DATABASE_URL), finds the demo's key in var/secret_key.
SECRET_KEY = env.secret_key(
    debug=DEBUG,
    embedded=not os.environ.get("DATABASE_URL"),
    key_file=Path(os.environ.get("OVERLAY_SECRET_KEY_FILE") or BASE_DIR / "var" / "secret_key"),
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "overlay.admin_site.OverlayAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "overlay",
    "events",
    "catalog",
    "knowledge",
    "customers",
    "usage",
    "cart",
    "orchestration",
    "adapters",
    "care",
    "console",
]

MIDDLEWARE = [
    "overlay.requestid.RequestIdMiddleware",
    "overlay.metrics.MetricsMiddleware",
    "overlay.middleware.ControlCharacterPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "overlay.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "overlay.urls"
WSGI_APPLICATION = "overlay.wsgi.application"
# TMF list URLs are served with and without a trailing slash by the routes
# themselves; APPEND_SLASH redirects would turn a POST into a broken GET.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "overlay" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: the web server and the background sweeper share the file; writers queue politely.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    # No JIT compiling: Overlay's queries are short, and a sync page's look-ups (thousands of index probes,
    # planned as costly) spent 50-250 ms compiling what runs in 3.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in options.get("options", ""):
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every process in production (Redis); per process when
# embedded. It holds throttling counters and rendered catalog pages.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "overlay.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "overlay"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Absolute hrefs are built from the request; behind a proxy set this.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

# HTTPS only, by default whenever DEBUG is off: plain http is redirected, browsers are told to
# keep to https (HSTS) and cookies travel over https alone. Each can be set on its own.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
HTTPS_ONLY_SET = env.is_set("HTTPS_ONLY")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)  # a promise to browser vendors: opt in
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS_ONLY)
# Behind a proxy that ends TLS: the header it sets on https requests, e.g. HTTP_X_FORWARDED_PROTO.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
# The Content-Security-Policy of every response (overlay.middleware); empty: Overlay's own strict policy.
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "overlay.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["overlay.api.permissions.ScopedPermission"],
    "DEFAULT_PARSER_CLASSES": [
        "overlay.api.parsers.JSONParser",
        "overlay.api.parsers.MergePatchJSONParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["overlay.api.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "overlay.api.negotiation.ContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": ["overlay.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": os.environ.get("API_THROTTLE_RATE", "6000/min"),
        # Hand-off claims: a caller, and a code, get few tries (codes are short).
        "handoff_claim_client": os.environ.get("HANDOFF_CLAIM_RATE", "20/min"),
        "handoff_claim_code": os.environ.get("HANDOFF_CLAIM_CODE_RATE", "5/min"),
        # "Did this answer your question?": per customer (or application, or staff user).
        "knowledge_feedback": os.environ.get("KNOWLEDGE_FEEDBACK_RATE", "30/min"),
    },
    "EXCEPTION_HANDLER": "overlay.api.errors.tmf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "overlay.api.schema.OverlayAutoSchema",
    # Decimals are JSON numbers in and out, as TMF's money and rates (Overlay's bodies are built by the
    # representations; DRF serializers read input, so this only changes what the schema says of them).
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Overlay API",
    "DESCRIPTION": "Omni-channel commerce layer: TM Forum Open API v4 resources and Overlay extensions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["overlay.api.schema.drop_slash_variants"],
    # Choice sets that share a field name, named after what they are.
    "ENUM_NAME_OVERRIDES": {
        "CartItemStatusEnum": ["active", "saveForLater"],
        "HeldProductStatusEnum": [
            *("created", "pendingActive", "cancelled", "active"),
            *("pendingTerminate", "suspended", "aborted", "terminated"),
        ],
        "IndividualStatusEnum": ["initialized", "validated", "deceaded"],
        "OrganizationStatusEnum": ["initialized", "validated", "closed"],
        "TieringEnum": ["graduated", "volume"],
        "TroubleTicketStatusEnum": [
            *("acknowledged", "rejected", "pending", "held"),
            *("inProgress", "cancelled", "closed", "resolved"),
        ],
        "TroubleTicketPriorityEnum": ["high", "medium", "low"],
        "TroubleTicketSeverityEnum": ["critical", "major", "minor"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "overlay.api.schema.tmf_paths_and_operation_ids",
        "overlay.api.schema.selections_for_fields",
    ],
}

# Celery: without a broker, tasks run in the calling process (embedded mode).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Workers log through LOGGING (JSON lines, each job's request id), not Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A job a killed worker held comes back to another worker after this long (Redis broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300)}
CELERY_BEAT_SCHEDULE = {
    "sync-due-back-office-systems": {"task": "adapters.tasks.sync_due_systems", "schedule": 60.0},
    "sweep-orders": {
        "task": "orchestration.tasks.sweep_task",
        "schedule": env_float("SWEEP_SECONDS", 10),
    },
    "sweep-events": {
        "task": "events.tasks.sweep_events_task",
        "schedule": env_float("SWEEP_SECONDS", 10),
    },
    "rate-usage": {
        "task": "usage.tasks.rate_pending_task",
        "schedule": env_float("SWEEP_SECONDS", 10),
    },
    "housekeeping": {"task": "overlay.tasks.housekeeping_task", "schedule": env_float("HOUSEKEEPING_SECONDS", 3600)},
    "poll-trouble-tickets": {"task": "care.tasks.poll_tickets_task", "schedule": env_float("TICKET_POLL_SECONDS", 60)},
}

# How long a rendered catalog page may be served from cache. Writes through
# the services invalidate at once; this bounds staleness from validity windows
# opening or closing with the clock.
CATALOG_PAGE_CACHE_SECONDS = env_int("CATALOG_PAGE_CACHE_SECONDS", 30)
# How long a rendered offering (and a list's X-Total-Count, within its minute) is kept per catalog revision in
# the shared cache: every page, filter and channel reuses them until the next catalog write (0: off).
CATALOG_RENDER_CACHE_SECONDS = env_int("CATALOG_RENDER_CACHE_SECONDS", 600)
# Keep pricing data (prices, characteristics, bundles, campaigns) per catalog revision in each process.
PRICING_DATA_CACHE = os.environ.get("PRICING_DATA_CACHE", "1") == "1"
# Product characteristics whose values are personal data (masked for callers not entitled to it).
PERSONAL_CHARACTERISTICS = env_list("PERSONAL_CHARACTERISTICS", "MSISDN,ICCID,IMEI,serialNumber,Installation address")
# How long a verified bearer token is trusted before it is looked up again.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 10)
# How long a customer token (issued to a channel application for its signed-in customer) lives.
CUSTOMER_TOKEN_SECONDS = env_int("CUSTOMER_TOKEN_SECONDS", 3600)

# Carts nobody touched for this long expire and can no longer be checked out.
CART_IDLE_SECONDS = env_int("CART_IDLE_SECONDS", 14 * 24 * 3600)
# Hand-off codes: how long they live, and the link a channel opens to claim one.
HANDOFF_SECONDS = env_int("HANDOFF_SECONDS", 1800)
HANDOFF_DEEP_LINK = os.environ.get("HANDOFF_DEEP_LINK", "overlay://handoff/{code}")
# A handed-off cart keeps the prices its lines were shown at in the channel it came from, this long.
PRICE_PROMISE_SECONDS = env_int("PRICE_PROMISE_SECONDS", 7 * 24 * 3600)
# After-sales: a device can be returned (or exchanged for any reason) this many days after delivery.
COOLING_OFF_DAYS = env_int("COOLING_OFF_DAYS", 14)
# How long a serviceability answer from a back-office system is reused.
SERVICEABILITY_CACHE_SECONDS = env_int("SERVICEABILITY_CACHE_SECONDS", 60)
# A customer waits on that answer: give up (and answer "unknown") after this long.
SERVICEABILITY_TIMEOUT_SECONDS = env_float("SERVICEABILITY_TIMEOUT_SECONDS", 2)

# Where Overlay is reached from outside: hrefs in events sent to listeners start with it.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Order fulfilment: how a task is retried when its system has trouble, how often a long-running
# task is polled, how long one attempt may hold a task before another may take it over.
FULFILMENT_MAX_ATTEMPTS = env_int("FULFILMENT_MAX_ATTEMPTS", 6)
FULFILMENT_RETRY_BASE_SECONDS = env_float("FULFILMENT_RETRY_BASE_SECONDS", 2)
FULFILMENT_RETRY_MAX_SECONDS = env_float("FULFILMENT_RETRY_MAX_SECONDS", 300)
FULFILMENT_POLL_SECONDS = env_float("FULFILMENT_POLL_SECONDS", 5)
FULFILMENT_LEASE_SECONDS = env_float("FULFILMENT_LEASE_SECONDS", 60)
# How long a partition of a sync stays held by its job without a page written (adapters.partitions).
SYNC_PARTITION_LEASE_SECONDS = env_float("SYNC_PARTITION_LEASE_SECONDS", 120)
# Events to listeners: retried with back-off up to this many attempts, then given up (visible in the admin).
EVENT_RETRY_BASE_SECONDS = env_float("EVENT_RETRY_BASE_SECONDS", 2)
EVENT_RETRY_MAX_SECONDS = env_float("EVENT_RETRY_MAX_SECONDS", 600)
EVENT_MAX_ATTEMPTS = env_int("EVENT_MAX_ATTEMPTS", 20)
EVENT_TIMEOUT_SECONDS = env_float("EVENT_TIMEOUT_SECONDS", 5)
# Listeners' callbacks: https only unless this allows http; hosts resolving to internal addresses
# (loopback, private, link-local...) are refused unless listed here ("host" or "host:port").
EVENT_CALLBACK_HTTP = env_bool("EVENT_CALLBACK_HTTP", False)
EVENT_CALLBACK_INTERNAL_HOSTS = env_list("EVENT_CALLBACK_INTERNAL_HOSTS", "")
# How often the sweeper picks up work whose message was lost (a crashed process, an expired lease).
SWEEP_SECONDS = env_float("SWEEP_SECONDS", 10)
# Work still waiting this long after it was due is sent again (its message may have been lost).
# Without a broker nothing waits in a queue, so the sweeper takes it at once.
FULFILMENT_REQUEUE_SECONDS = env_float("FULFILMENT_REQUEUE_SECONDS", 120 if os.environ.get("CELERY_BROKER_URL") else 0)

# Back-office systems. A pushed change is refused when its signature's timestamp is further than
# this from now (either way), or when the same signature was accepted within that window (a replay).
WEBHOOK_TOLERANCE_SECONDS = env_int("WEBHOOK_TOLERANCE_SECONDS", 300)
# After this many failures in a row a system is not called for the cool-down (by any process: the state is in
# the shared cache): calls fail at once, without reaching it, and a fulfilment task waits for the circuit
# instead of using an attempt.
BACKOFFICE_CIRCUIT_FAILURES = env_int("BACKOFFICE_CIRCUIT_FAILURES", 5)
BACKOFFICE_CIRCUIT_COOLDOWN_SECONDS = env_float("BACKOFFICE_CIRCUIT_COOLDOWN_SECONDS", 30)
# A fulfilment task whose system stays unavailable (errors, time-outs, open circuit) is retried with
# back-off for this long from its first attempt (and at least FULFILMENT_MAX_ATTEMPTS attempts that
# reached the system) before it fails for good; a refusal fails it at once.
FULFILMENT_UNAVAILABLE_SECONDS = env_float("FULFILMENT_UNAVAILABLE_SECONDS", 3600)
# Knowledge: a helpful answer stops counting as a deflected ticket if the customer opens one in its
# category within this many hours.
KNOWLEDGE_DEFLECTION_HOURS = env_int("KNOWLEDGE_DEFLECTION_HOURS", 48)
# Trouble tickets: routing to a system that has trouble is retried with back-off this many times.
TICKET_ROUTE_MAX_ATTEMPTS = env_int("TICKET_ROUTE_MAX_ATTEMPTS", 8)
TICKET_ROUTE_RETRY_BASE_SECONDS = env_float("TICKET_ROUTE_RETRY_BASE_SECONDS", 5)

# Logs (docs/operations.md): JSON lines with the request id in production, text for a developer.
LOG_FORMAT = env.choice("LOG_FORMAT", "text" if DEBUG else "json", {"json", "text"})
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=env.choice("LOG_LEVEL", "INFO", {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}),
    levels=env.log_levels("LOG_LEVELS"),
)

# Operations (docs/operations.md): /readyz keeps its answer this long per process (polled every second),
# and gives a check (the broker) this long to answer. Probes and scrapers may speak plain http.
READINESS_CACHE_SECONDS = env_float("READINESS_CACHE_SECONDS", 1.0)
READINESS_TIMEOUT_SECONDS = env_float("READINESS_TIMEOUT_SECONDS", 1.0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics (Prometheus): who may read it — a bearer token and/or networks (both, when both are set).
# Several processes (gunicorn, Celery) share counts through PROMETHEUS_MULTIPROC_DIR (docs/operations.md).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Without a token, loopback only by default; with one, the token alone unless networks are named too.
METRICS_ALLOWED_NETWORKS = env.networks("METRICS_ALLOWED_NETWORKS", "" if METRICS_TOKEN else "127.0.0.1/32,::1/128")
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")

# Housekeeping (docs/operations.md): how long what is no longer needed is kept, then removed in batches.
HOUSEKEEPING_BATCH_SIZE = env_int("HOUSEKEEPING_BATCH_SIZE", 1000, minimum=1)
IDEMPOTENCY_RETENTION_SECONDS = env_int("IDEMPOTENCY_RETENTION_SECONDS", 7 * 24 * 3600)
EVENT_RETENTION_SECONDS = env_int("EVENT_RETENTION_SECONDS", 30 * 24 * 3600)
CART_RETENTION_SECONDS = env_int("CART_RETENTION_SECONDS", 30 * 24 * 3600)
HANDOFF_RETENTION_SECONDS = env_int("HANDOFF_RETENTION_SECONDS", 7 * 24 * 3600)

# Keep this last. Start-up refuses missing, malformed or contradictory settings: all of them at once,
# one line each (manage.py prints them without a traceback).
if _problems := list(dict.fromkeys(env.problems + contradictions(globals()))):
    raise SettingsProblems(_problems)
