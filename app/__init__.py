"""The Linli application factory."""

import os

from flask import Flask

from config import configs


def create_app(config=None):
    """Build the app.

    ``config`` is a config class, a name from ``config.configs`` or a dict of overrides
    applied on top of the class chosen by ``LINLI_ENV`` (default: production).
    """
    app = Flask(__name__, instance_path=os.environ.get("LINLI_INSTANCE") or None)
    load_config(app, config)
    trust_proxies(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    return app


def load_config(app, config):
    from app.core.secrets import ensure_secret_key

    base = configs[os.environ.get("LINLI_ENV", "production")]
    overrides = {}
    if isinstance(config, str):
        base = configs[config]
    elif isinstance(config, type):
        base = config
    elif isinstance(config, dict):
        overrides = config
    app.config.from_object(base)
    app.config.update(overrides)
    app.config["INSTANCE_DIR"] = overrides.get("INSTANCE_DIR", app.config["INSTANCE_DIR"])
    os.makedirs(app.config["INSTANCE_DIR"], exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = ensure_secret_key(app.config["INSTANCE_DIR"])
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # a pooled PostgreSQL connection may have been closed by the server; an SQLite file cannot be
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url and "RATELIMIT_STORAGE_URI" not in overrides:
        app.config["RATELIMIT_STORAGE_URI"] = redis_url


def trust_proxies(app):
    """Behind TRUSTED_PROXIES reverse proxies, the client's address, scheme and host are taken from their
    X-Forwarded-For, -Proto and -Host headers (werkzeug's ProxyFix); with 0 those headers are ignored. With
    SESSION_COOKIE_SECURE the remember-me cookie is HTTPS-only too."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True


def register_extensions(app):
    from app.core import i18n
    from app.core.database import configure_engine
    from app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
    from config import env_bool

    # Responses are compressed here unless a proxy in front does it: set COMPRESS_REGISTER=0 (environment
    # or config) to turn it off. Brotli when the browser offers it (HTTPS only), else gzip (what browsers
    # offer on plain HTTP), for static files too; nothing under COMPRESS_MIN_SIZE bytes, where compression
    # saves less than it costs. Flask-Compress adds "Vary: Accept-Encoding" to every response. Initialised
    # first, so that its after_request runs last, over the finished response.
    app.config.setdefault("COMPRESS_REGISTER", env_bool("COMPRESS_REGISTER", True))
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_jinja_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # "basic", not "strong": a phone changes its address whenever it moves between Wi-Fi and mobile data,
    # and "strong" would then log the user out in the middle of a report. With "basic" a changed address or
    # browser only marks the session non-fresh, which keeps it usable while leaving fresh_login_required
    # available for actions that must ask for the password again (None would drop that signal).
    login_manager.session_protection = "basic"
    login_manager.login_message_category = "info"
    login_manager.login_message = i18n.lazy_gettext("Please log in to see this page.")
    login_manager.needs_refresh_message = i18n.lazy_gettext("Please log in again to confirm it is you.")
    from app.core import models  # noqa: F401  (registers user_loader)

    if app.config.get("LINLI_COUNT_QUERIES"):
        from app.core.querycount import install_query_counter

        install_query_counter(app)


def register_url_converters(app):
    """Ids in URLs: the default ``int`` converter is replaced before any rule is added, so that every
    ``<int:...>`` takes ASCII digits only, without a sign or a leading zero, up to 2**31 - 1. Every id is an
    INTEGER primary key, 32 bits on PostgreSQL, which refuses a larger number with an error instead of finding
    no row. Anything else matches no rule: 404, never an overflow in the database."""
    from werkzeug.routing import IntegerConverter, ValidationError

    largest = 2**31 - 1

    class BoundedIntegerConverter(IntegerConverter):
        regex = r"(?:0|[1-9][0-9]{0,9})"

        def to_python(self, value):
            number = super().to_python(value)
            if number > largest:
                raise ValidationError()
            return number

    app.url_map.converters["int"] = BoundedIntegerConverter


def register_blueprints(app):
    """Core's own pages, then the features named by LINLI_FEATURES (each plugs in through app.core.registry)."""
    from app.auth.views import bp as auth_bp
    from app.core.registry import register_features
    from app.core.views import bp as core_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    register_features(app)
    if app.config.get("LINLI_BENCH"):
        from app.core.views import bench_bp

        app.register_blueprint(bench_bp)


def register_commands(app):
    from app.core.commands import register

    register(app)


def register_errorhandlers(app):
    from app.core.errors import register

    register(app)


def register_request_hooks(app):
    from app.core.security import register

    register(app)


def register_template_helpers(app):
    from app.core.submissions import register as register_submission_keys
    from app.core.templating import register

    register(app)
    register_submission_keys(app)
