"""Django settings: everything from PAPERWIRE_* variables, safe defaults for the embedded mode.

Every variable is read here and only here, once, through the typed readers of paperwire/env.py:
a bad value stops every command and the server with one line naming it (env.SettingError).
The rest of paperwire reads django.conf.settings. Every variable is documented in
docs/configuration.md (a test checks that).
"""

from __future__ import annotations

import ipaddress
import secrets
import sys
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext

from paperwire.env import (
    SettingError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_optional_int,
    env_path,
    env_rate,
    env_secret,
    env_str,
    env_time_zone,
    env_url,
    invalid,
)
from paperwire.mailconfig import parse_mail_url
from paperwire.sources.arxiv_ids import is_arxiv_category

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Paper] and friends be subscripted

DATA_DIR = env_path("PAPERWIRE_DATA_DIR", Path.home() / ".local" / "share" / "paperwire")

DEBUG = env_bool("PAPERWIRE_DEBUG", False)
ALLOWED_HOSTS = env_list("PAPERWIRE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])


def _secret_key() -> str:
    """From the environment; in the embedded mode, made once and kept in the data directory."""
    key = env_secret("PAPERWIRE_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SettingError(
            f"PAPERWIRE_SECRET_KEY is not set and {path} cannot be read: {exc.strerror}"
        ) from None
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
        return path.read_text().strip()
    except OSError as exc:
        raise SettingError(
            f"PAPERWIRE_SECRET_KEY is not set and {path} cannot be written: {exc}"
        ) from None


SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "paperwire.catalogue",
    "paperwire.ingest",
    "paperwire.search",
    "paperwire.community",
    "paperwire.library",
    "paperwire.foryou",
    "paperwire.discussion",
    "paperwire.inbox",
    "paperwire.groups",
    "paperwire.web",
    "paperwire.api",
    "paperwire.digests",
    "paperwire.moving",
    "huey.contrib.djhuey",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.orcid",
]

MIDDLEWARE = [
    # Outermost: a request's time includes every other middleware, and /healthz and /metrics
    # answer load balancers and Prometheus that reach a node by its address (web/ops.py).
    "paperwire.web.ops.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "paperwire.urls"
WSGI_APPLICATION = "paperwire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "paperwire.web.context.site",
            ],
        },
    },
]


def _without_password(url: str) -> str:
    """The URL as an error message may show it (messages end up in logs)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    except ValueError:
        return "(a URL that cannot be parsed)"


def _database() -> dict[str, object]:
    url = env_str("PAPERWIRE_DATABASE_URL", f"sqlite:///{DATA_DIR / 'paperwire.sqlite3'}")
    engines = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception:  # the library raises plain ValueError/KeyError variants
        config = {"ENGINE": None}
    if config["ENGINE"] not in engines:
        raise invalid(
            "PAPERWIRE_DATABASE_URL",
            _without_password(url),
            "sqlite:///PATH or postgres://USER:PASSWORD@HOST:PORT/NAME",
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while an import writes; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        config.setdefault("TEST", {"NAME": None})
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Served by WhiteNoise straight from the apps' folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

# Derived search indexes (rebuilt from the database by `paperwire reindex`).
SEARCH_INDEX_DIR = env_path("PAPERWIRE_INDEX_DIR", DATA_DIR / "index")
# What answers searches. "index": tantivy + an HNSW file in PAPERWIRE_INDEX_DIR, derived from
# the database, one copy per node; on PostgreSQL the database's own full text answers until a
# new node's keyword index is built. "postgres": the database's full text (and pgvector, if
# installed) alone: no index directory, but ts_rank_cd scores every match, so seconds a query
# at a million papers (docs/operations.md has the measurements).
SEARCH_BACKEND = env_choice("PAPERWIRE_SEARCH_BACKEND", "index", ("index", "postgres"))
if (
    SEARCH_BACKEND == "postgres"
    and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
):
    raise invalid(
        "PAPERWIRE_SEARCH_BACKEND", "postgres", "index", "postgres needs a PostgreSQL database"
    )
# How often (seconds) `paperwire serve` brings this node's indexes up to date with the
# database: papers imported, voted or hidden through any node show in search within this.
# Default 10 on PostgreSQL (several nodes share it); 0 on SQLite, where the writers update the
# one index directory themselves. 0 turns the follower off.
INDEX_FOLLOW_SECONDS = env_int(
    "PAPERWIRE_INDEX_FOLLOW_SECONDS",
    10 if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 0,
    minimum=0,
)
# The ONNX model `paperwire prepare_model` makes: beside the installation, shared by data dirs.
MODEL_DIR = env_path("PAPERWIRE_MODEL_DIR", Path(sys.prefix) / "share" / "paperwire" / "models")
# Off: keyword search only, for a machine too small to run the model.
SEMANTIC = env_bool("PAPERWIRE_SEMANTIC", True)
# After an import, at most this many waiting papers are embedded inline (a day of arXiv is
# 1,000-1,500); more are left to `paperwire embed`, which runs in the background and resumes.
EMBED_INLINE_MAX = env_int("PAPERWIRE_EMBED_INLINE_MAX", 2000, minimum=0)
# Which model variant encodes: "auto" measures int8, fp32 and openvino (when installed) once on
# this CPU (cached beside the models) and takes the fastest whose vectors agree with fp32's; all
# share one vector space.
EMBED_VARIANT = env_choice(
    "PAPERWIRE_EMBED_VARIANT", "auto", ("auto", "int8", "fp32", "openvino", "openvino-int8")
)
# How long a batch claimed by one `paperwire embed` run stays its own: a killed run's batch is
# taken over by another run (on any machine) after this.
EMBED_LEASE_SECONDS = env_int("PAPERWIRE_EMBED_LEASE_SECONDS", 600, minimum=1)
# Threads of the embedding model in one process. None: all cores up to 4, or under `paperwire
# serve` each worker's share of them (paperwire.search.embeddings.query_threads decides).
QUERY_THREADS = env_optional_int("PAPERWIRE_QUERY_THREADS", minimum=1)

# Sources (overridable so tests, mirrors and proxies can stand in for arXiv).
ARXIV_API_URL = env_url("PAPERWIRE_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env_url("PAPERWIRE_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_REQUEST_INTERVAL = env_float("PAPERWIRE_ARXIV_REQUEST_INTERVAL", 3.0, minimum=0)

# Logs: one event per line on standard error, for journald and log shippers. `text` is
# logfmt (key=value); `json` one JSON object a line. A traceback is kept inside its event
# (paperwire/logformat.py), so a grep for an error finds all of it.
LOG_FORMAT = env_choice("PAPERWIRE_LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "one_line": {"()": "paperwire.logformat.OneLineFormatter", "output": LOG_FORMAT}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "one_line"}},
    # The worker's consumer (Huey) adds a handler of its own, in its own format, to a logger
    # that has none; given ours, its lines (a task started, failed, retried) are one-line too.
    "loggers": {"huey": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "PAPERWIRE_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
}

# Operations (docs/operations.md). Who may read /metrics: addresses or networks, comma-
# separated; the client's address is read as the rate limits read it (PAPERWIRE_TRUSTED_PROXIES).
# Loopback only by default: a Prometheus on another machine is named here.
METRICS_ALLOW: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
for _network in env_list("PAPERWIRE_METRICS_ALLOW", ["127.0.0.1", "::1"]):
    try:
        METRICS_ALLOW.append(ipaddress.ip_network(_network, strict=False))
    except ValueError:
        raise invalid(
            "PAPERWIRE_METRICS_ALLOW",
            _network,
            "addresses or networks such as 127.0.0.1,10.0.0.0/8 (0.0.0.0/0,::/0: everyone)",
        ) from None
# Keys that signed what is still out there (sessions, feed and unsubscribe links) before the
# current PAPERWIRE_SECRET_KEY: still accepted, never used to sign. Comma-separated.
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in (env_secret("PAPERWIRE_SECRET_KEY_FALLBACKS") or "").split(",")
    if key.strip()
]

# Cache: pages for anonymous visitors, rate-limit counters, similar papers. Shared by the
# server's worker processes: files in the data directory by default, Redis when given.
CACHE_URL = env_str("PAPERWIRE_CACHE_URL", "")
CACHES: dict[str, dict[str, object]]
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL in ("", "file"):
    CACHES = {
        "default": {
            "BACKEND": "paperwire.web.filecache.SampledCullFileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
elif CACHE_URL == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise invalid(
        "PAPERWIRE_CACHE_URL", _without_password(CACHE_URL), "file, memory or redis://..."
    )
# How long anonymous visitors may see a list that is this many seconds old.
PAGE_CACHE_SECONDS = env_int("PAPERWIRE_PAGE_CACHE_SECONDS", 30, minimum=0)

# Mail (sign-in codes now, digests later): one URL, see paperwire/mailconfig.py.
_mail = parse_mail_url(env_str("PAPERWIRE_SMTP_URL", "console://"))
EMAIL_BACKEND = _mail.backend
EMAIL_HOST, EMAIL_PORT = _mail.host, _mail.port
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _mail.user, _mail.password
EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_TIMEOUT = _mail.use_tls, _mail.use_ssl, _mail.timeout
DEFAULT_FROM_EMAIL = env_str("PAPERWIRE_MAIL_FROM", "paperwire <paperwire@localhost>")
if "@" not in parseaddr(DEFAULT_FROM_EMAIL)[1]:
    raise invalid(
        "PAPERWIRE_MAIL_FROM", DEFAULT_FROM_EMAIL, "an address such as 'paperwire <pw@example.org>'"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = _mail.anymail
SITE_NAME = env_str("PAPERWIRE_SITE_NAME", "paperwire")
# The site's public address, for links in mail.
BASE_URL = env_url("PAPERWIRE_BASE_URL", "http://127.0.0.1:8000")

# Digests. Messages per second handed to the mail server (0: no limit).
MAIL_RATE = env_float("PAPERWIRE_MAIL_RATE", 10.0, minimum=0)
DIGEST_TIME_ZONE = env_time_zone("PAPERWIRE_DIGEST_TIME_ZONE", "UTC")
DIGEST_HOUR = env_int("PAPERWIRE_DIGEST_HOUR", 7, minimum=0, maximum=23)
# 0 = Monday (ISO weekday - 1)
DIGEST_WEEKDAY = env_int("PAPERWIRE_DIGEST_WEEKDAY", 0, minimum=0, maximum=6)
# The daily harvest on the same scheduler: arXiv categories, and the hour to fetch them. By
# default machine learning, language, vision and AI: the categories most of Hugging Face's
# daily papers (the community list paperwire mirrors) come from; about 1,000 to 1,500 new
# papers an announcement day with their cross-lists. A worker is started to keep a catalogue
# current: one that harvests nothing until a variable is found leaves the site behind without
# a word. An empty value harvests nothing.
HARVEST_CATEGORIES = env_list("PAPERWIRE_HARVEST_CATEGORIES", ["cs.AI", "cs.CL", "cs.CV", "cs.LG"])
for _category in HARVEST_CATEGORIES:
    # A misspelt category harvests nothing, every day, without a word: refuse it here.
    if not is_arxiv_category(_category):
        raise invalid(
            "PAPERWIRE_HARVEST_CATEGORIES",
            ",".join(HARVEST_CATEGORIES),
            f"arXiv categories such as cs.LG,cs.CL ({_category!r} is not one)",
        )
HARVEST_HOUR = env_int("PAPERWIRE_HARVEST_HOUR", 5, minimum=0, maximum=23)

# The task queue (Huey): a SQLite file in the data directory by default (no server), Redis
# for the scale-out mode.
QUEUE_URL = env_str("PAPERWIRE_QUEUE_URL", "")
if QUEUE_URL and not QUEUE_URL.startswith(("redis://", "rediss://", "sqlite:///")):
    raise invalid(
        "PAPERWIRE_QUEUE_URL", _without_password(QUEUE_URL), "sqlite:///PATH or redis://..."
    )
if QUEUE_URL.startswith(("redis://", "rediss://")):
    HUEY: dict[str, object] = {
        "huey_class": "huey.RedisHuey",
        "name": "paperwire",
        "url": QUEUE_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    _queue_file = Path(QUEUE_URL.removeprefix("sqlite://") or DATA_DIR / "queue.sqlite3")
    # Huey opens the file as soon as the app loads, before anything else would have made the
    # data directory (with PAPERWIRE_SECRET_KEY set, nothing else does).
    try:
        _queue_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingError(
            f"the task queue's directory {_queue_file.parent} cannot be made: {exc.strerror}; "
            "set PAPERWIRE_DATA_DIR or PAPERWIRE_QUEUE_URL to a writable place"
        ) from None
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "paperwire",
        "filename": str(_queue_file),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# Accounts (django-allauth): an e-mail address is the account; sign-in by a one-time code
# mailed to it, no password. GitHub and ORCID appear when their OAuth apps are configured.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_request_login_code"
LOGIN_REDIRECT_URL = "/"
# Sign-in mail to a mail server that cannot be used is a clear page, not a 500 (web/accounts.py).
ACCOUNT_ADAPTER = "paperwire.web.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_USER_DISPLAY = "paperwire.web.context.user_display"
# A new reader starts by telling For you what they read (categories, an import, a few papers).
ACCOUNT_SIGNUP_REDIRECT_URL = "/for-you/start"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
HTTPS = env_bool("PAPERWIRE_HTTPS", False)
SSL_REDIRECT = env_bool("PAPERWIRE_SSL_REDIRECT", True)  # with HTTPS only
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Sign-in attempts: allauth's own limits, per IP and per address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
for _provider in ("github", "orcid"):
    _client_id = env_str(f"PAPERWIRE_{_provider.upper()}_CLIENT_ID", "")
    _secret = env_secret(f"PAPERWIRE_{_provider.upper()}_SECRET") or ""
    if bool(_client_id) != bool(_secret):
        # Half a configuration would hide the button without a word.
        raise SettingError(
            f"PAPERWIRE_{_provider.upper()}_CLIENT_ID and PAPERWIRE_{_provider.upper()}_SECRET "
            "go together: set both or neither"
        )
    if _client_id and _secret:
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret, "key": ""}]
        }
# Read even when ORCID is not configured: a bad value is reported before it matters.
ORCID_DOMAIN = env_choice("PAPERWIRE_ORCID_DOMAIN", "orcid.org", ("orcid.org", "sandbox.orcid.org"))
if "orcid" in SOCIALACCOUNT_PROVIDERS:
    SOCIALACCOUNT_PROVIDERS["orcid"]["BASE_DOMAIN"] = ORCID_DOMAIN

# Rate limits of this site's own writes (per account, and per address for anonymous calls).
RATE_LIMIT_VOTES = env_rate("PAPERWIRE_RATE_LIMIT_VOTES", "60/m")
RATE_LIMIT_SUBMISSIONS = env_rate("PAPERWIRE_RATE_LIMIT_SUBMISSIONS", "10/h")
RATE_LIMIT_SUBSCRIBE = env_rate("PAPERWIRE_RATE_LIMIT_SUBSCRIBE", "10/h")
RATE_LIMIT_COMMENTS = env_rate("PAPERWIRE_RATE_LIMIT_COMMENTS", "10/m")
RATE_LIMIT_REPORTS = env_rate("PAPERWIRE_RATE_LIMIT_REPORTS", "20/h")

# The community. Comments of accounts younger than this many hours wait for a moderator's
# approval (0: no hold); open comment sections fill with spam without it.
COMMENT_HOLD_HOURS = env_int("PAPERWIRE_COMMENT_HOLD_HOURS", 24, minimum=0)
# Submission rules, as Hugging Face's daily papers enforce them: a paper older than this many
# days (by its first version) cannot be put on a day's list; each account may submit this
# many papers a day; optionally only accounts with an approved authorship claim may submit.
SUBMISSION_MAX_AGE_DAYS = env_int("PAPERWIRE_SUBMISSION_MAX_AGE_DAYS", 7, minimum=1)
SUBMISSIONS_PER_DAY = env_int("PAPERWIRE_SUBMISSIONS_PER_DAY", 5, minimum=1)
SUBMIT_REQUIRES_CLAIM = env_bool("PAPERWIRE_SUBMIT_REQUIRES_CLAIM", False)
# How long an invitation to a group can be accepted.
GROUP_INVITE_DAYS = env_int("PAPERWIRE_GROUP_INVITE_DAYS", 7, minimum=1, maximum=90)
# How many reverse proxies in front of paperwire append to X-Forwarded-For and are trusted.
# Each appends the address it was reached from, so the visitor's address is the N-th entry
# from the header's end; 0 (no proxy): REMOTE_ADDR, and the header is ignored.
TRUSTED_PROXIES = env_int("PAPERWIRE_TRUSTED_PROXIES", 0, minimum=0)
# Sign-in's own per-address limits follow the same rule as ours (ratelimit.client_address).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXIES

# Security. Every page: no framing, no sniffing, a strict content security policy (scripts
# and styles only from this site; KaTeX sets inline style attributes, so styles allow them).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://github.com", "https://orcid.org"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Behind TLS (production): secure cookies, HSTS, and trust the proxy's scheme header.
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = SSL_REDIRECT
    SECURE_HSTS_SECONDS = 31_536_000
    # HSTS for every subdomain, and a place on the browsers' preload list, commit the whole
    # domain to HTTPS for good: the operator decides that at their proxy, not this program.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("PAPERWIRE_CSRF_TRUSTED_ORIGINS", [])
