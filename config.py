"""Linli settings.

Settings are classes; every value can be overridden by an environment variable of the same name
(``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL``, ``LINLI_LANGUAGE``, ``UPLOAD_FOLDER``,
``MAX_CONTENT_LENGTH``, ``STORAGE_URL``, ``S3_ENDPOINT_URL``, ``S3_REGION``, ``UPLOAD_MAX_PIXELS``,
``SESSION_COOKIE_SECURE``, ``TRUSTED_PROXIES``, ``LOGIN_FAILURES_PER_PHONE``, ``LOGIN_FAILURES_PER_ADDRESS``,
``LOGIN_FAILURE_WINDOW``, ``REMEMBER_DAYS``).
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_PATH = Path(os.environ.get("LINLI_INSTANCE") or BASE_DIR / "instance")


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def database_url():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'linli.sqlite3'}"
    # Heroku-style URLs and plain "postgresql://" both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    # SECRET_KEY: from the environment, else generated once and kept in instance/secret_key
    # (see app.core.secrets.ensure_secret_key). Never a constant in the code.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    INSTANCE_DIR = str(INSTANCE_PATH)

    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {}  # create_app adds pool_pre_ping for a server database
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    # Failed logins are counted in the database (table login_failures), so the limits hold across every worker
    # and app server, on the embedded SQLite too: per mobile number (as normalised, "+86 138-0000-0006" and
    # "13800000006" are one number) and per client address, within the last LOGIN_FAILURE_WINDOW seconds.
    # Past a limit every login for that number or from that address is refused (even with the right password)
    # until enough failures are older than the window. A successful login clears the number's count.
    LOGIN_FAILURES_PER_PHONE = env_int("LOGIN_FAILURES_PER_PHONE", 5)
    LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
    LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
    # How many reverse proxies (nginx, a load balancer) stand in front of the app and set X-Forwarded-For,
    # -Proto and -Host. 0: those headers are ignored (anybody could send them), and the client's address is
    # the connection's. Behind nginx set it to 1, or the audit log and the login limits see only the proxy.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

    LINLI_LANGUAGE = os.environ.get("LINLI_LANGUAGE", "zh_CN")
    LANGUAGES = ("zh_CN", "en")
    # The word after a building's number in addresses, as the community writes them: "3幢" (or "3栋");
    # app.core.places.building_name composes building names with it.
    LINLI_BUILDING_WORD = os.environ.get("LINLI_BUILDING_WORD", "幢")
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_PATH / "uploads"))
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    # Where uploads are kept (app.core.storage): unset, the local folder UPLOAD_FOLDER; "s3://bucket/prefix",
    # an S3-compatible store shared by every app server. Credentials: AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY in the app's config if set there, else boto3's own lookup (environment, files, role).
    STORAGE_URL = os.environ.get("STORAGE_URL")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")  # unset for AWS itself
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    # "auto" (boto3 decides), "path" (MinIO and most self-hosted stores) or "virtual" (Aliyun OSS, Tencent COS)
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "auto")
    # Larger images are refused from their header, before they are decoded.
    UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE  # and always when SESSION_COOKIE_SECURE is on (create_app)
    # A login lasts PERMANENT_SESSION_LIFETIME (12 hours), or REMEMBER_COOKIE_DURATION with "keep me logged
    # in" (at most 30 days), counted from the login; each one is a row of user_sessions, deleted at logout.
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    REMEMBER_COOKIE_DURATION = timedelta(days=min(env_int("REMEMBER_DAYS", 30), 30))

    # The feature packages, in menu order; each plugs in as docs/architecture.md describes.
    LINLI_FEATURES = ("app.mediation", "app.grid", "app.volunteers", "app.admin")

    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    PAGE_SIZE = 50
    CASE_PAGE_SIZE = 25
    # Grid work orders: minutes a handling unit has to finish an order of each response level, counted from
    # its dispatch (2 hours, 24 hours, 3 days, 7 days), and the shorter clock to sign for it (签收).
    GRID_DEADLINE_MINUTES = {
        "two_hours": 2 * 60,
        "one_day": 24 * 60,
        "three_days": 3 * 24 * 60,
        "seven_days": 7 * 24 * 60,
    }
    GRID_SIGN_MINUTES = {"two_hours": 30, "one_day": 2 * 60, "three_days": 4 * 60, "seven_days": 8 * 60}
    # an order with a unit whose deadline is this close is flagged "due soon"
    GRID_DUE_SOON_MINUTES = env_int("GRID_DUE_SOON_MINUTES", 24 * 60)
    GRID_PAGE_SIZE = 25
    VOLUNTEER_PAGE_SIZE = 25  # the coordinators' list of volunteers, on a phone
    GRID_MAX_PHOTOS = 4
    # photos are scaled down to this many pixels on their longer side when they are stored
    GRID_PHOTO_MAX_SIDE = 1600
    # a new order suggests open orders of its category at the same building or within this many metres,
    # reported in the last GRID_DUPLICATE_DAYS, as possible duplicates to merge (并单)
    GRID_DUPLICATE_METRES = 100
    GRID_DUPLICATE_DAYS = 30
    # The help group (app.volunteers): hours are the time between check-in and check-out, rounded to
    # VOLUNTEER_HOURS_ROUNDING = (minutes, "down" | "nearest" | "up"); stars at these accumulated hours
    # (one to five stars; regions differ); the rotating check-in code changes every VOLUNTEER_CHECKIN_SECONDS and
    # is accepted from VOLUNTEER_CHECKIN_MARGIN minutes before the event until as long after it; a one-time login
    # link lasts VOLUNTEER_LOGIN_LINK_HOURS; volunteers' numbers are <prefix><year>-<seq>.
    VOLUNTEER_HOURS_ROUNDING = (30, "down")
    VOLUNTEER_STAR_HOURS = (100, 300, 600, 1000, 1500)
    VOLUNTEER_CHECKIN_SECONDS = 60
    VOLUNTEER_CHECKIN_MARGIN = 60
    VOLUNTEER_LOGIN_LINK_HOURS = 24
    VOLUNTEER_NUMBER_PREFIX = "LS"
    # POSTs of the public sign-up per client address (five steps a resident; neighbours may share one address)
    VOLUNTEER_JOIN_LIMIT = "20 per minute;200 per hour"
    # Count SQL statements per request and expose them as X-Query-Count (benchmarks only).
    LINLI_COUNT_QUERIES = env_bool("LINLI_COUNT_QUERIES")
    # Registers the bare /_bench/floor route (benchmarks only).
    LINLI_BENCH = env_bool("LINLI_BENCH")


class DevelopmentConfig(Config):
    DEBUG = True


class ProductionConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SERVER_NAME = None


configs = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
