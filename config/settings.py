"""Commonplace settings: one file, read from the environment (and an optional .env)."""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP
from dotenv import load_dotenv

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("COMMONPLACE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)  # whitenoise scans STATIC_ROOT at start-up


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/."""
    if key := env("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "core",
    "accounts",
    "courses",
    "posts",
    "network",
    "syndication",
    "chats",
    "moderation",
    "search",
    "insights",
    "api",
    "privacy",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestScopeMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.MediaOriginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.TimezoneMiddleware",
    "core.middleware.NoStoreForSignedInMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.notifications",
            ],
        },
    },
    # Jinja2 for the few pieces drawn many times a page (the artifact card): see config/jinja.py. Templates in
    # each app's `jinja2/` folder; Django templates draw them through tags (posts.templatetags.posts_extras).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja.environment"},
    },
]
# Form fields drawn by Django's Jinja2 copies of its form templates (the same HTML): half the time of its template
# language (the course stream's filter form: 3.8 ms, 1.9 with these; bench/README.md, Pages, round 4).
FORM_RENDERER = "django.forms.renderers.Jinja2"

# Database: SQLite (embedded) by default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'commonplace.sqlite3'}")
# Connections are kept between requests (a minute, checked before reuse) on both databases. On SQLite too: opening
# one and running its PRAGMAs cost 0.8 ms a request here, and each new connection starts with an empty page cache.
# Kept, each connection's page cache is capped at 1 MB (cache_size=-1000; SQLite's default is 2 MB): a web worker
# keeps one connection per thread, and its memory stays under 250 MB (bench/README.md, Load: 89 -> 104 requests/s).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-1000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_PATH") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# Failed log-ins (S2): this many for one account, or from one address, pause log-ins there for the minutes given.
LOGIN_FAILURES_PER_ACCOUNT = int(env("LOGIN_FAILURES_PER_ACCOUNT", "10"))
LOGIN_FAILURES_PER_ADDRESS = int(env("LOGIN_FAILURES_PER_ADDRESS", "50"))
LOGIN_LOCKOUT_MINUTES = int(env("LOGIN_LOCKOUT_MINUTES", "15"))
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# How long shared caches may keep a public image (a public post's, an avatar): a post made private or
# deleted stops being served from them within this many seconds. Other images are never stored (core.views.media).
MEDIA_PUBLIC_MAX_AGE = int(env("MEDIA_PUBLIC_MAX_AGE", "3600"))
# People's downloads of their data: never under MEDIA_ROOT (served only to their owner, by a view).
EXPORT_ROOT = Path(env("EXPORT_ROOT", str(VAR_DIR / "exports")))
# `commonplace backup` encrypts to these age public keys (age1…, space- or comma-separated); the private
# identity stays off the server, so a stolen server cannot open old backups (core/backup.py).
BACKUP_RECIPIENTS = env("COMMONPLACE_BACKUP_RECIPIENTS").replace(",", " ").split()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env_bool("COMMONPLACE_TESTING")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("COMMONPLACE_TESTING")

# Uploads: images only, re-encoded; see core/images.py.
IMAGE_MAX_BYTES = int(env("IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(env("IMAGE_MAX_PIXELS", str(25_000_000)))
IMAGE_UPLOADS_PER_DAY = int(env("IMAGE_UPLOADS_PER_DAY", "30"))
MAX_REQUEST_BYTES = int(env("MAX_REQUEST_BYTES", str(IMAGE_MAX_BYTES + 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMAGE_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMAGE_MAX_BYTES + 1024 * 1024

# Outbound fetching (feeds, link titles): every request goes through core/fetch.py.
# Loopback, private and other non-public addresses are refused unless listed here
# (comma-separated hosts, host:port or CIDR); tests and benchmarks list their 127.0.0.1 servers.
COMMONPLACE_FETCH_ALLOW_HOSTS = env_list("COMMONPLACE_FETCH_ALLOW_HOSTS", "")
FETCH_MAX_BYTES = int(env("FETCH_MAX_BYTES", str(10 * 1024 * 1024)))
FETCH_TIMEOUT_SECONDS = float(env("FETCH_TIMEOUT_SECONDS", "30"))
FETCH_USER_AGENT = env("FETCH_USER_AGENT", "Commonplace feed harvester (+" + SITE_URL + ")")
FETCH_PER_HOST = int(env("FETCH_PER_HOST", "8"))  # connections at once to one host
# Harvest: processes that parse feeds (0 = one per core); check a blog as soon as it is registered.
HARVEST_WORKERS = int(env("HARVEST_WORKERS", "0"))
HARVEST_ON_REGISTER = env_bool("HARVEST_ON_REGISTER", True)

# Background work: Django's Tasks API backed by Huey (SQLite file, or Redis).
REDIS_URL = env("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    HUEY = {
        "name": "commonplace",
        "huey_class": "huey.RedisHuey",
        "url": REDIS_URL,
        "immediate": env_bool("HUEY_IMMEDIATE"),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    HUEY = {
        "name": "commonplace",
        "huey_class": "huey.SqliteHuey",
        "filename": env("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
        "immediate": env_bool("HUEY_IMMEDIATE"),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Drawn artifact cards, in each process's memory (posts.templatetags.posts_extras.artifact_card): each is kept under
# a digest of everything it shows, so one is never stale and processes need not share them. 2,000 cards of about
# 2 KB: a few MB a web worker.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": int(env("FRAGMENT_CACHE_ENTRIES", "2000"))},
}
TASKS = {
    "default": {
        "BACKEND": "core.jobs.HueyBackend",  # Huey's backend, with the retries below (D4)
        "ENQUEUE_ON_COMMIT": True,
    }
}
# A background job that raises is tried again TASK_RETRIES times, first after TASK_RETRY_DELAY_SECONDS and
# each next time TASK_RETRY_BACKOFF times later (60 s, 120 s, 240 s); then it is shown as failed at
# /staff/jobs/ and ADMINS (comma-separated e-mail addresses; the active staff when empty) are e-mailed.
TASK_RETRIES = int(env("TASK_RETRIES", "3"))
TASK_RETRY_DELAY_SECONDS = int(env("TASK_RETRY_DELAY_SECONDS", "60"))
TASK_RETRY_BACKOFF = float(env("TASK_RETRY_BACKOFF", "2"))
ADMINS = env_list("ADMINS", "")
# A job a worker started this long ago and never finished is taken as lost with its worker and run again.
JOB_LEASE_MINUTES = int(env("JOB_LEASE_MINUTES", "30"))
EMAIL_SUBJECT_PREFIX = "[Commonplace] "  # on the alerts to ADMINS

# The REST API's rate limits (requests per token or signed-in person, and per address without one), and how
# many proxies in front of us add X-Forwarded-For (0: trust only the connection's own address).
API_RATE = env("API_RATE", "300/m")
API_RATE_ANONYMOUS = env("API_RATE_ANONYMOUS", "60/m")
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
NINJA_NUM_PROXIES = TRUSTED_PROXY_COUNT  # ninja's own address reading, should anything of its use it

# Spam (moderation): what new comments and posts go through before anyone sees them (posts.review), held
# for a facilitator when a check gives a reason. New accounts' links wait for a facilitator; the
# advertising scorer (moderation/spam.py) holds above its threshold; Akismet only with a key.
CONTENT_CHECKS = ["moderation.checks.hold_reason"]
SPAM_NEW_ACCOUNT_DAYS = int(env("SPAM_NEW_ACCOUNT_DAYS", "7"))
SPAM_SCORE_THRESHOLD = float(env("SPAM_SCORE_THRESHOLD", "0.75"))
AKISMET_KEY = env("AKISMET_KEY")
AKISMET_URL = env("AKISMET_URL", "https://rest.akismet.com")  # tests point it at a loopback fake
AKISMET_TIMEOUT_SECONDS = float(env("AKISMET_TIMEOUT_SECONDS", "5"))
# Forms: the least time between showing a comment or sign-up form and posting it, comments per person a
# minute and from one network address (several people at one school share it: twice the per-person rate by
# default); sign-ups refused from these e-mail domains (comma-separated).
FORM_MIN_SECONDS = float(env("FORM_MIN_SECONDS", "3"))
COMMENT_RATE_PER_MINUTE = int(env("COMMENT_RATE_PER_MINUTE", "30"))
COMMENT_RATE_PER_MINUTE_PER_ADDRESS = int(env("COMMENT_RATE_PER_MINUTE_PER_ADDRESS", str(2 * COMMENT_RATE_PER_MINUTE)))
SIGNUP_BLOCKED_EMAIL_DOMAINS = env_list("SIGNUP_BLOCKED_EMAIL_DOMAINS", "")
SIGNUP_BLOCKED_NETWORKS = env_list("SIGNUP_BLOCKED_NETWORKS", "")  # CIDR ranges, e.g. 203.0.113.0/24,2001:db8::/32
# Whether a new account waits for a staff member's approval before it can sign in (SP5): "auto" while no
# moderator (staff, or a course's facilitator) has signed in or decided a report for SIGNUP_MODERATOR_IDLE_DAYS,
# so an unwatched site does not fill with spam accounts; "always"; or "never". SIGNUP_APPROVAL_CHECK names
# the function that decides "auto" (moderation's: it knows who moderates).
SIGNUP_APPROVAL = env("SIGNUP_APPROVAL", "auto")
SIGNUP_MODERATOR_IDLE_DAYS = int(env("SIGNUP_MODERATOR_IDLE_DAYS", "7"))
SIGNUP_APPROVAL_CHECK = "moderation.signups.no_moderator_active"

# The nav's unread count is cached per person this long (core.badges); 0 counts on every page.
UNREAD_CACHE_SECONDS = int(env("UNREAD_CACHE_SECONDS", "30"))

# Email: console by default; EMAIL_HOST switches to SMTP.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Commonplace <noreply@commonplace.invalid>")
if env("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": int(env("EMAIL_PORT", "587")),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Security headers. Secure cookies and HSTS follow SECURE (on behind HTTPS).
SECURE = env_bool("SECURE", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *([MEDIA_URL] if MEDIA_URL.startswith("http") else [])],
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Each failed attempt of a job is logged, not e-mailed: core.jobs alerts once, when a job gives up.
        "django.tasks": {"handlers": ["console"], "propagate": False},
        # With ADMINS set, Django e-mails server errors; a bot's wrong Host header is logged only.
        "django.security.DisallowedHost": {"handlers": ["console"], "propagate": False},
    },
}
