"""Fill an empty database with benchmark data, quickly: bulk inserts with SQLAlchemy Core.

    python -m bench.generate --database-url sqlite:////tmp/bench.sqlite3 --scale 100000

The schema comes from the migrations (Flask-Migrate ``upgrade()``); then the ``GENERATORS`` of every module
of ``FEATURES`` run, feature after feature and in one transaction, as ``func(conn, scale, ctx)``.

- ``bench.generate.core``: what the features share (database URL, ``Context``, bulk inserts) and the
  foundation's data: the organisation tree, handling units, users, audit log, notifications;
- one module per feature: ``bench.generate.mediation`` (studios, cases, parties and the rest).

``scale`` is the number of audit entries, and of mediation cases; the other tables grow with it (about
one community per 5,000, one user per 50, one notification per 5, 2-3 parties per case). The bench
administrator (``BENCH_ADMIN_PHONE`` / ``BENCH_PASSWORD``) sits at the top of the tree, so every row is
in their scope.

A feature adds its data with a module of its own, ``bench/generate/work_orders.py``::

    from bench.generate.core import insert_rows

    def work_orders(conn, scale, ctx):
        insert_rows(conn, ctx, "work_orders", ({...} for i in range(scale // 10)))

    GENERATORS = [work_orders]

and one line: the module in ``FEATURES`` below. Its generators find what the generators before them made
in ``ctx.ids`` (lists of ids by kind: "county", "street", "community", "grid", "building", "handling_unit",
"user", "mediator") and ``ctx.maps`` (e.g. "unit_path", "unit_parent", "property_company", "studio"), and
may add their own there for the ones after them. A row the benchmark must open goes in ``ctx.refs`` (e.g.
``ctx.refs["case_2_parties"]``): bench.run fills the ``{case_2_parties}`` of its page paths with it.
"""

import random
import secrets
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from bench.generate import core, grid, mediation, volunteers
from bench.generate.core import BENCH_ADMIN_PHONE, BENCH_PASSWORD, Context, GenerateError, normalise_database_url

# The features whose data is generated, in this order (a feature may use what the ones before it made).
FEATURES = [
    core,
    mediation,
    grid,
    volunteers,
]

# The tables whose row count grows with the scale: the ``GROWS`` of every feature module. bench.run fails a
# page whose PostgreSQL plan reads one of them by a sequential scan (bench.run.plans).
GROWING_TABLES = frozenset().union(*(getattr(feature, "GROWS", ()) for feature in FEATURES))

__all__ = [
    "BENCH_ADMIN_PHONE",
    "BENCH_PASSWORD",
    "FEATURES",
    "GROWING_TABLES",
    "GenerateError",
    "generate",
    "generators",
    "normalise_database_url",
    "upgrade_schema",
]


def generators():
    """The generators of every feature, in the order they run."""
    return [gen for feature in FEATURES for gen in feature.GENERATORS]


@contextmanager
def migrated_app(url):
    """An app on the database at ``url`` (normalised as the app does), with the schema of the latest
    migration, inside its app context."""
    from flask_migrate import upgrade

    from app import create_app

    with tempfile.TemporaryDirectory(prefix="linli-generate-") as instance_dir:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                "INSTANCE_DIR": instance_dir,
                "UPLOAD_FOLDER": instance_dir,
                "SECRET_KEY": secrets.token_hex(16),
                "RATELIMIT_STORAGE_URI": "memory://",
                "LINLI_COUNT_QUERIES": False,
                "LINLI_BENCH": False,
            }
        )
        with app.app_context():
            upgrade()
            yield app


def upgrade_schema(url):
    """Bring a database generated earlier up to the latest migration (``bench.run --reuse``)."""
    from app.extensions import db

    with migrated_app(url):
        db.engine.dispose()


def generate(url, scale, seed=1, log=None):
    """Create the schema in the (empty) database at ``url`` and fill it to ``scale``.

    Returns {"scale", "seconds", "rows": {table: count}, "timings": {generator: seconds},
    "refs": {name: id} (the rows bench.run opens, see ``Context.refs``)}.
    """
    from app.extensions import db

    started = time.perf_counter()
    with migrated_app(url):
        engine = db.engine
        tables = dict(db.metadata.tables)
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "sqlite":
                    # a page cache that holds the indexes being filled (the default is 2 MB)
                    conn.exec_driver_sql("PRAGMA cache_size = -262144")
                if conn.scalar(select(func.count()).select_from(tables["users"])):
                    raise GenerateError(f"the database already has users: {engine.url!r} must be empty")
                ctx = Context(
                    scale=scale,
                    rng=random.Random(seed),
                    now=datetime.now(UTC),
                    password_hash=generate_password_hash(BENCH_PASSWORD),
                    tables=tables,
                )
                for gen in generators():
                    t0 = time.perf_counter()
                    gen(conn, scale, ctx)
                    ctx.timings[gen.__name__] = round(time.perf_counter() - t0, 3)
                    if log:
                        log(f"  {gen.__name__}: {ctx.timings[gen.__name__]:.2f} s")
            # The planner statistics a database of this size has by then: autovacuum gathers them on
            # PostgreSQL, `PRAGMA optimize` (run by the app, see app.core.database) on SQLite.
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        finally:
            engine.dispose()
    return {
        "scale": scale,
        "seconds": round(time.perf_counter() - started, 3),
        "rows": ctx.counts,
        "timings": ctx.timings,
        "refs": ctx.refs,
    }
