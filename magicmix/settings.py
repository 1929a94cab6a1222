"""Magic Mix settings: one module, driven by environment variables.

The defaults make a safe local demo (SQLite, console e-mail, no Redis needed). Production sets
DEBUG=0, SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS and the e-mail variables.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# The dashboard's suppression solves small linear systems with NumPy. With BLAS's default of one
# thread per core, a busy web or worker process makes those threads wait on each other (a 30 ms
# solve measured at up to 2.8 s); one thread is fastest here. Set before NumPy is first imported.
for _blas in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas, "1")


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-demo-key-only-for-debug"  # noqa: S105 - never used with DEBUG off
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# The site's name in every e-mail's subject and greeting (projects.adapters.site).
SITE_NAME = os.environ.get("SITE_NAME", "Magic Mix")
# How long an invitation link to choose a password works (projects.models.Invitation).
INVITATION_DAYS = envint("INVITATION_DAYS", 14)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "simple_history",
    "projects",
    "residents",
    "allocation",
    "magicmix",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "magicmix.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "magicmix.middleware.SecondFactorRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "magicmix.urls"
WSGI_APPLICATION = "magicmix.wsgi.application"

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
                "django.template.context_processors.i18n",
                "magicmix.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a plan once its estimated cost passes a threshold; the
    # dashboard's grouped counts pass it and then spend ~40 ms a query compiling for a run of
    # ~50 ms (measured with bench/dashboard_bench.py). Short web queries gain nothing from it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "DB_OPTIONS", "-c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis as broker when REDIS_URL is set; without it (the demo) tasks run eagerly.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "magicmix")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}

# Reminders (magicmix.reminders): a daily run at a local time, an hourly catch-up, and the rules'
# grace periods. Each run is idempotent, so running it more often is always safe.
REMINDER_DAILY_AT = os.environ.get("REMINDER_DAILY_AT", "07:00")
REMINDER_CATCHUP_SECONDS = envint("REMINDER_CATCHUP_SECONDS", 3600)
REMINDER_LOOKBACK_DAYS = envint("REMINDER_LOOKBACK_DAYS", 7)
REMINDER_CHECKIN_GRACE_DAYS = envint("REMINDER_CHECKIN_GRACE_DAYS", 14)
REMINDER_HEARTBEAT_HOURS = envint("REMINDER_HEARTBEAT_HOURS", 26)
try:
    _daily_hour, _daily_minute = (int(part) for part in REMINDER_DAILY_AT.split(":"))
    if not (0 <= _daily_hour < 24 and 0 <= _daily_minute < 60):
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured(
        f"REMINDER_DAILY_AT must be a local time HH:MM, not {REMINDER_DAILY_AT!r}"
    ) from exc
CELERY_BEAT_SCHEDULE = {
    "reminders-daily": {
        "task": "magicmix.tasks.run_reminders",
        "schedule": crontab(hour=_daily_hour, minute=_daily_minute),
        "kwargs": {"trigger": "daily"},
    },
    "reminders-catch-up": {
        "task": "magicmix.tasks.run_reminders",
        "schedule": dt.timedelta(seconds=REMINDER_CATCHUP_SECONDS),
        "kwargs": {"trigger": "hourly"},
    },
    # Offers past their reply date expire, and ending contracts open vacancies.
    "allocation-daily": {
        "task": "allocation.tasks.allocation_daily",
        "schedule": crontab(hour=_daily_hour, minute=_daily_minute),
    },
    # Association votes: close due rounds, remind who has not voted, send what is unsent.
    "votes-tick": {
        "task": "allocation.tasks.votes_tick",
        "schedule": crontab(minute="*/5"),
    },
    # Retention (AVG art. 5(1)(e)): personal data past its period is anonymised, nightly.
    "retention-nightly": {
        "task": "residents.tasks.run_retention",
        "schedule": crontab(hour=2, minute=30),
    },
    # Dashboards: a period that has just closed is published once, before anyone asks.
    "dashboards-publish": {
        "task": "magicmix.tasks.publish_dashboards",
        "schedule": crontab(hour=1, minute=15),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts: e-mail and password, no open sign-up (see projects.adapters.InviteOnlyAdapter).
ACCOUNT_ADAPTER = "projects.adapters.InviteOnlyAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_NOTIFICATIONS = True  # a password, e-mail or second factor changed: the owner hears
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# Login limits (projects.adapters explains the three counts); on the shared cache, which is
# Redis in production, so every web process counts together.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",  # key: account and address; also the second-factor code
    "login_failed_account": "30/h/key",  # key: the account, from anywhere
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For is trusted for the address.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) or a security key
# (WebAuthn), with recovery codes. Required for every account with an organisation role and for
# administrators (magicmix.middleware.SecondFactorRequiredMiddleware). Only the demo turns the
# requirement off (make demo sets MFA_REQUIRED=0); with DEBUG off that is refused.
MFA_REQUIRED = envbool("MFA_REQUIRED", True)
if not MFA_REQUIRED and not DEBUG:
    raise ImproperlyConfigured("MFA_REQUIRED=0 is for the demo only; it is refused with DEBUG off")
MFA_ADAPTER = "projects.adapters.SecondFactorAdapter"
# Encrypts the TOTP secrets and recovery seeds in the database; its own variable, so that
# rotating SECRET_KEY does not void every authenticator app (default: derived from SECRET_KEY).
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "") or f"mfa:{SECRET_KEY}"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = SITE_NAME
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # security keys on http://127.0.0.1 in the demo

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# E-mail: files under sent-mail/ in the demo (each message one file, to read at leisure); SMTP in
# production, the default with DEBUG off (EMAIL_HOST ...); "console" prints them. A dotted path
# names any other backend (the fault tests use tests.mailsink.SinkBackend).
EMAIL_BACKEND_NAME = os.environ.get("EMAIL_BACKEND", "file" if DEBUG else "smtp")
_MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
if EMAIL_BACKEND_NAME not in _MAIL_BACKENDS and "." not in EMAIL_BACKEND_NAME:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND must be one of {sorted(_MAIL_BACKENDS)} or a dotted path"
    )
_mail_options = {}
if EMAIL_BACKEND_NAME == "file":
    _mail_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))}
if EMAIL_BACKEND_NAME == "smtp":
    _mail_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),
    }
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKENDS.get(EMAIL_BACKEND_NAME, EMAIL_BACKEND_NAME),
        "OPTIONS": _mail_options,
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Magic Mix <noreply@magicmix.example>")

# Transport and browser: secure cookies and HSTS whenever DEBUG is off (manage.py check --deploy
# is clean with production settings, tests/test_security_settings.py), and a Content Security
# Policy everywhere, the demo included: scripts, styles and images from the site itself only, so
# no inline script or style attribute runs (the pages have none).
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)  # a working day, then log in again
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    # Behind a proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Pages list this many rows; a small page keeps every list fast and readable.
PAGE_SIZE = envint("PAGE_SIZE", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The audit log of reads of personal files (magicmix.audit): each entry is kept this long.
AUDIT_KEEP_DAYS = envint("AUDIT_KEEP_DAYS", 730)
