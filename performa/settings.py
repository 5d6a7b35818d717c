"""Django settings for Performa.

Every value that differs between machines is read from the environment (see `.env.example`).
Defaults are chosen so that a fresh clone runs with SQLite and no configuration at all.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from `.env` without overriding the real environment."""
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_load_dotenv(BASE_DIR / ".env")

# `make run` is a development install (DEBUG on); a real installation sets
# PERFORMA_ENVIRONMENT=production (see `.env.production.example`), and then the settings refuse
# to start with anything unsafe (`_refuse_unsafe_production` at the end of this file).
ENVIRONMENT: str = os.environ.get("PERFORMA_ENVIRONMENT", "development").strip().lower()
PRODUCTION: bool = ENVIRONMENT == "production"
DEBUG: bool = _env_bool("PERFORMA_DEBUG", not PRODUCTION)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production"
SECRET_KEY: str = os.environ.get("PERFORMA_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS: list[str] = _env_list(
    "PERFORMA_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"]
)
CSRF_TRUSTED_ORIGINS: list[str] = _env_list("PERFORMA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap_italia_template",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    # Performa, one app per phase of the cycle
    "core",
    "accounts",
    "organization",
    "planning",
    "measurement",
    "appraisal",
    "rewards",
    "payments",
    "documents",
    "transparency",
    "interchange",
    "api",
    "security",
    "integrations",
    "operations",
    "demo",
    "desk",
    "ranking",
    "benchmarks",
]

MIDDLEWARE = [
    "core.db.BusyDatabaseMiddleware",
    "security.middleware.RejectNullBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "security.middleware.IdleSessionMiddleware",
    # After CSRF and authentication: «Esci» of a single sign-on session also logs out there.
    "security.slo.SingleLogoutMiddleware",
    "accounts.middleware.CurrentEnteMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it turns a lockout raised during authentication into the Italian refusal.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "performa.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_ente",
                "performa.menu.main_menu",
                "security.context_processors.sso",
            ],
            # The Italian number filters (num, num2, percent, euro, date_it) in every template.
            "builtins": ["core.templatetags.formatting", "core.templatetags.navigation"],
        },
    },
]

WSGI_APPLICATION = "performa.wsgi.application"

(BASE_DIR / "var").mkdir(exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'performa.sqlite3'}"),
        conn_max_age=int(os.environ.get("PERFORMA_DB_CONN_MAX_AGE", "0")),
        # A connection kept between requests is checked before reuse (a restarted PostgreSQL
        # would otherwise fail the next request of every worker).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web use (docs/decisions/0006-sqlite-concurrency.md): WAL lets readers run
    # beside the one writer; IMMEDIATE takes the write lock when a transaction starts, so two
    # writers queue on the busy timeout instead of failing half-way with «database is locked».
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("PERFORMA_SQLITE_TIMEOUT", "20")),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A writer waiting on a row lock gives up after this long (then «riprova», core/db.py)
    # instead of holding a web worker forever.
    _lock_timeout = int(os.environ.get("PERFORMA_PG_LOCK_TIMEOUT_MS", "20000"))
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c lock_timeout={_lock_timeout}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},  # Italian messages
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("PERFORMA_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Evidence attached to measurements (PDF, images, office files).
PERFORMA_EVIDENCE_MAX_BYTES = int(os.environ.get("PERFORMA_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))

EMAIL_BACKEND = os.environ.get(
    "PERFORMA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("PERFORMA_DEFAULT_FROM_EMAIL", "performa@localhost")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache holds the API throttling counters: with several web processes or machines it must
# be shared (`database`: the `performa_cache` table, made by `manage.py createcachetable`).
_CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "database": "django.core.cache.backends.db.DatabaseCache",
}
_cache = os.environ.get("PERFORMA_CACHE", "locmem").strip().lower()
if _cache not in _CACHE_BACKENDS:
    raise ImproperlyConfigured(f"PERFORMA_CACHE must be one of {', '.join(_CACHE_BACKENDS)}.")
CACHES = {
    "default": {
        "BACKEND": _CACHE_BACKENDS[_cache],
        "LOCATION": "performa_cache" if _cache == "database" else "performa",
    },
    # Rendered parts of pages keyed by the ente's data version (core/pagecache.py): in the
    # memory of each process even with several processes, since the key holds the version
    # read from the database, so no process can find another's stale copy.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "performa-pages",
        "TIMEOUT": int(os.environ.get("PERFORMA_PAGE_CACHE_SECONDS", "3600")),
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PERFORMA_PAGE_CACHE_ENTRIES", "200"))},
    },
}

REST_FRAMEWORK = {
    # No HTTP Basic: it would be a second, unthrottled password login. Programs use tokens.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Logged in, and a token only within its scopes (reads need «read»).
    "DEFAULT_PERMISSION_CLASSES": ["integrations.authentication.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.authentication.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 100,
}
PERFORMA_API_RATE = os.environ.get("PERFORMA_API_RATE", "120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Performa API",
    "DESCRIPTION": "API del ciclo della performance degli enti locali.",
    "VERSION": "1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
}

# --- Login, sessions, HTTPS ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Single sign-on with OpenID Connect (security/sso.py, docs/sso.md): on when configured.
OIDC_RP_CLIENT_ID = os.environ.get("PERFORMA_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PERFORMA_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("PERFORMA_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("PERFORMA_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("PERFORMA_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("PERFORMA_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("PERFORMA_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("PERFORMA_OIDC_SCOPES", "openid email profile")
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "security:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accedi/?sso=rifiutato"
PERFORMA_OIDC_PROVIDER_NAME = os.environ.get("PERFORMA_OIDC_PROVIDER_NAME", "")
PERFORMA_OIDC_FISCAL_CODE_CLAIM = os.environ.get("PERFORMA_OIDC_FISCAL_CODE_CLAIM", "fiscal_number")
# RP-initiated logout (security/slo.py): the provider's end_session_endpoint, if it has one.
PERFORMA_OIDC_END_SESSION_ENDPOINT = os.environ.get("PERFORMA_OIDC_END_SESSION_ENDPOINT", "")
OIDC_STORE_ID_TOKEN = bool(PERFORMA_OIDC_END_SESSION_ENDPOINT)  # the logout's id_token_hint
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("security.sso.PerformaOIDCBackend")
# SPID/CIE for staff as relying party of the Italian OIDC federation (security/spid.py,
# docs/sso.md): on when Performa's entity id and the trust anchor are given.
PERFORMA_SPID_OIDC_CLIENT_ID = os.environ.get("PERFORMA_SPID_OIDC_CLIENT_ID", "")
PERFORMA_SPID_OIDC_TRUST_ANCHOR = os.environ.get("PERFORMA_SPID_OIDC_TRUST_ANCHOR", "")
PERFORMA_SPID_OIDC_TRUST_ANCHOR_JWKS_FILE = os.environ.get(
    "PERFORMA_SPID_OIDC_TRUST_ANCHOR_JWKS_FILE", ""
)
PERFORMA_SPID_OIDC_AUTHORITY_HINTS = os.environ.get("PERFORMA_SPID_OIDC_AUTHORITY_HINTS", "")
PERFORMA_SPID_OIDC_PROVIDERS = os.environ.get("PERFORMA_SPID_OIDC_PROVIDERS", "")
PERFORMA_SPID_OIDC_FEDERATION_KEY_FILE = os.environ.get(
    "PERFORMA_SPID_OIDC_FEDERATION_KEY_FILE", ""
)
PERFORMA_SPID_OIDC_SIGNING_KEY_FILE = os.environ.get("PERFORMA_SPID_OIDC_SIGNING_KEY_FILE", "")
PERFORMA_SPID_OIDC_ENCRYPTION_KEY_FILE = os.environ.get(
    "PERFORMA_SPID_OIDC_ENCRYPTION_KEY_FILE", ""
)
PERFORMA_SPID_OIDC_TRUST_MARKS_FILE = os.environ.get("PERFORMA_SPID_OIDC_TRUST_MARKS_FILE", "")
PERFORMA_SPID_OIDC_REDIRECT_URI = os.environ.get("PERFORMA_SPID_OIDC_REDIRECT_URI", "")
PERFORMA_SPID_OIDC_ACR = os.environ.get("PERFORMA_SPID_OIDC_ACR", "https://www.spid.gov.it/SpidL2")
PERFORMA_SPID_OIDC_ORGANIZATION_NAME = os.environ.get("PERFORMA_SPID_OIDC_ORGANIZATION_NAME", "")
PERFORMA_SPID_OIDC_CONTACTS = os.environ.get("PERFORMA_SPID_OIDC_CONTACTS", "")
PERFORMA_SPID_OIDC_ENTITY_LIFETIME = int(
    os.environ.get("PERFORMA_SPID_OIDC_ENTITY_LIFETIME", str(24 * 3600))
)
PERFORMA_SPID_OIDC_TIMEOUT = int(os.environ.get("PERFORMA_SPID_OIDC_TIMEOUT", "10"))
if PERFORMA_SPID_OIDC_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("security.spid.PerformaSpidBackend")
# Single sign-on with SAML 2 (security/saml.py, docs/sso.md): on when an entity id and the
# identity provider's metadata (file or address) are configured.
PERFORMA_SAML_ENTITY_ID = os.environ.get("PERFORMA_SAML_ENTITY_ID", "")
PERFORMA_SAML_IDP_METADATA_FILE = os.environ.get("PERFORMA_SAML_IDP_METADATA_FILE", "")
PERFORMA_SAML_IDP_METADATA_URL = os.environ.get("PERFORMA_SAML_IDP_METADATA_URL", "")
PERFORMA_SAML_ACS_URL = os.environ.get("PERFORMA_SAML_ACS_URL", "")
PERFORMA_SAML_EMAIL_ATTRIBUTE = os.environ.get("PERFORMA_SAML_EMAIL_ATTRIBUTE", "email")
PERFORMA_SAML_FISCAL_CODE_ATTRIBUTE = os.environ.get(
    "PERFORMA_SAML_FISCAL_CODE_ATTRIBUTE", "fiscalNumber"
)
PERFORMA_SAML_KEY_FILE = os.environ.get("PERFORMA_SAML_KEY_FILE", "")
PERFORMA_SAML_CERT_FILE = os.environ.get("PERFORMA_SAML_CERT_FILE", "")
PERFORMA_SAML_WANT_RESPONSE_SIGNED = _env_bool("PERFORMA_SAML_WANT_RESPONSE_SIGNED", True)
PERFORMA_SAML_WANT_ASSERTIONS_SIGNED = _env_bool("PERFORMA_SAML_WANT_ASSERTIONS_SIGNED", False)
PERFORMA_SAML_PROVIDER_NAME = os.environ.get("PERFORMA_SAML_PROVIDER_NAME", "")
PERFORMA_SAML_XMLSEC_BINARY = os.environ.get("PERFORMA_SAML_XMLSEC_BINARY", "")
PERFORMA_SAML_SLS_URL = os.environ.get("PERFORMA_SAML_SLS_URL", "")
# The SPID SAML profile (security/saml.py): signed requests, SpidL2 asked, signed assertion.
PERFORMA_SAML_SPID = _env_bool("PERFORMA_SAML_SPID", False)
PERFORMA_SAML_AUTHN_CONTEXT = os.environ.get("PERFORMA_SAML_AUTHN_CONTEXT", "")
PERFORMA_SAML_AUTHN_CONTEXT_COMPARISON = os.environ.get(
    "PERFORMA_SAML_AUTHN_CONTEXT_COMPARISON", "minimum"
)
# A logout the identity provider fails to confirm still ends the Performa session.
SAML_IGNORE_LOGOUT_ERRORS = True
SAML_CONFIG_LOADER = "security.saml.config_loader"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CREATE_UNKNOWN_USER = False
SAML_SESSION_COOKIE_NAME = "performa_saml"
if PERFORMA_SAML_ENTITY_ID:
    AUTHENTICATION_BACKENDS.append("security.saml.PerformaSaml2Backend")

AXES_FAILURE_LIMIT = int(os.environ.get("PERFORMA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PERFORMA_LOGIN_LOCKOUT_MINUTES", "15")))
# Counted separately per user name (someone guessing one account from many addresses) and per
# address (one address trying many accounts).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "security.throttle.lockout_response"
# Single sign-on attempts (no password) are not counted: security/sso.py.
AXES_WHITELIST_CALLABLE = "security.sso.is_sso_attempt"
AXES_CLIENT_IP_CALLABLE = "security.throttle.client_ip"
AXES_VERBOSE = False
# How many reverse proxies of the installation add themselves to X-Forwarded-For.
PERFORMA_TRUSTED_PROXIES = int(os.environ.get("PERFORMA_TRUSTED_PROXIES", "0"))

# HTTPS: on by default in production. Behind a proxy that ends TLS, the proxy says so with
# X-Forwarded-Proto (PERFORMA_BEHIND_PROXY=true).
HTTPS: bool = _env_bool("PERFORMA_HTTPS", PRODUCTION)
if _env_bool("PERFORMA_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = _env_bool("PERFORMA_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS: int = int(
    os.environ.get("PERFORMA_HSTS_SECONDS", str(31536000 if HTTPS and PRODUCTION else 0))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = _env_bool("PERFORMA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD: bool = _env_bool("PERFORMA_HSTS_PRELOAD", False)
# Preloading is a decision of whoever owns the domain (it binds every subdomain for years), not
# of the application: `check --deploy` does not warn about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE: bool = _env_bool("PERFORMA_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after this many minutes without requests (security.middleware), and in any
# case after PERFORMA_SESSION_MAX_HOURS.
PERFORMA_SESSION_IDLE_MINUTES = int(os.environ.get("PERFORMA_SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = int(os.environ.get("PERFORMA_SESSION_MAX_HOURS", "12")) * 3600

# Content-Security-Policy: scripts and styles only from Performa itself; no inline scripts
# (style attributes stay allowed for the progress bars' widths).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PERFORMA_LOG_LEVEL", "WARNING")},
}


# Longest text accepted in an unbounded text field (titles, notes, descriptions): core/limits.py.
PERFORMA_MAX_TEXT_CHARS = int(os.environ.get("PERFORMA_MAX_TEXT_CHARS", "20000"))

# --- Personal data ------------------------------------------------------------------------
# Aggregates of the schede shown to who may not see the individual schede hide the groups
# with fewer than this many schede in a band (core/privacy.py).
PERFORMA_SMALL_GROUP_THRESHOLD = int(os.environ.get("PERFORMA_SMALL_GROUP_THRESHOLD", "3"))
# Retention periods (operations/retention.py, `manage.py retention_report`): years, or days for
# the technical records. Each may be set as PERFORMA_RETENTION_<NAME>, e.g. ..._SCHEDE_YEARS.
PERFORMA_RETENTION = {
    name: int(os.environ.get(f"PERFORMA_RETENTION_{name.upper()}", default))
    for name, default in {
        "schede_years": 10,
        "evidence_years": 10,
        "absences_years": 5,
        "audit_years": 10,
        "login_records_days": 180,
        "idempotency_days": 30,
    }.items()
}


# --- Production guard ---------------------------------------------------------------------
def _refuse_unsafe_production() -> None:
    """A production installation does not start with settings that expose it."""
    from django.core.exceptions import ImproperlyConfigured

    problems = []
    if DEBUG:
        problems.append("PERFORMA_DEBUG è attivo: in produzione mostrerebbe codice e dati.")
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50 or "CAMBIA" in SECRET_KEY:
        problems.append(
            "PERFORMA_SECRET_KEY manca o è troppo corta: serve una chiave casuale di almeno 50 "
            "caratteri (python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if not ALLOWED_HOSTS:
        problems.append("PERFORMA_ALLOWED_HOSTS è vuoto: indica il nome del server.")
    if HTTPS and not (SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
        problems.append(
            "Il sito è in HTTPS ma i cookie non sono sicuri: togli PERFORMA_SECURE_COOKIES=false."
        )
    if problems:
        raise ImproperlyConfigured(
            "Performa non si avvia in produzione con queste impostazioni:\n- "
            + "\n- ".join(problems)
        )


if PRODUCTION:
    _refuse_unsafe_production()
