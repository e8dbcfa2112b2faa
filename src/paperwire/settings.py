"""Django settings: everything from PAPERWIRE_* variables, safe defaults for the embedded mode.

Every variable is documented in docs/configuration.md (a test checks that).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from paperwire.env import env_bool, env_float, env_list, env_secret, env_str

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Paper] and friends be subscripted

DATA_DIR = Path(
    env_str("PAPERWIRE_DATA_DIR", str(Path.home() / ".local" / "share" / "paperwire"))
).expanduser()

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
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
        return path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
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
    "paperwire.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("PAPERWIRE_DATABASE_URL", f"sqlite:///{DATA_DIR / 'paperwire.sqlite3'}")
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # the library raises plain ValueError/KeyError variants
        raise ImproperlyConfigured(f"PAPERWIRE_DATABASE_URL is not usable: {exc}") from None
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

STATIC_URL = "static/"
# Served by WhiteNoise straight from the apps' folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

# Derived search indexes (rebuilt from the database by `paperwire reindex`).
SEARCH_INDEX_DIR = Path(env_str("PAPERWIRE_INDEX_DIR", str(DATA_DIR / "index"))).expanduser()

# Sources (overridable so tests, mirrors and proxies can stand in for arXiv).
ARXIV_API_URL = env_str("PAPERWIRE_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env_str("PAPERWIRE_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_REQUEST_INTERVAL = env_float("PAPERWIRE_ARXIV_REQUEST_INTERVAL", 3.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PAPERWIRE_LOG_LEVEL", "WARNING")},
}
