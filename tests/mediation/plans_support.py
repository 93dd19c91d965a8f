"""What tests/mediation/test_plans.py needs: a data set made by the benchmark's generator, the SQL statements a
page runs, and their PostgreSQL plans.

- ``make_data_set``: ``bench.generate.generate()`` at ``SCALE`` into the (empty) test database, ``EXTRA_USERS``
  more users, then ``ANALYZE``;
- the login and the statements a GET runs: ``log_in`` and ``capture_statements`` of bench.run.plans;
- ``explain``: ``EXPLAIN (FORMAT JSON)`` of each statement with its parameters (nothing is executed) and the
  tables its plan reads by a sequential scan;
- ``table_pages``: the size of every table, in pages, as the planner sees it after ANALYZE.
"""

from sqlalchemy import text

import bench.generate
from app.extensions import db
from bench.run.plans import plan_nodes

# As many cases and audit entries, 2-3 parties a case, sessions and a timeline for 1 case in 10, a notification
# per 5 (see bench/README.md): about 4 s on PostgreSQL, and the tables the pages search are a hundred pages or
# more, big enough that reading one whole is a choice the planner makes only when no index can help.
SCALE = 5000
# The generator makes one user per 50 (100 at this scale: 4 pages, read whole whatever their indexes); a
# county has thousands. These make users as big as at 100,000 cases, so that the plans that read users (the
# logged-in user, the timeline's and the case's people) are checked too.
EXTRA_USERS = 2000

# The tables whose rows grow with the use of the platform (cases, their parties and records, people, logs), as
# opposed to the territory (org units, buildings, handling units, studios): a page must never read one whole.
GROWING_TABLES = bench.generate.GROWING_TABLES

# A table of fewer pages is read whole by any sensible plan, indexes or not (one page costs no more than the
# index's own): such a table is not held to the rule in this small data set.
MIN_PAGES = 10

EXPLAINED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def make_data_set(app, scale=SCALE, extra_users=EXTRA_USERS):
    """Fill the empty test database with the benchmark's data at ``scale`` and ``extra_users`` more users (grid
    workers of the generated grids), then ANALYZE, as autovacuum would have by then. Returns the generator's
    refs (``case_2_parties``, ``case_6_parties``: the cases the benchmark's case pages open)."""
    from bench.generate import generate

    refs = generate(app.config["SQLALCHEMY_DATABASE_URI"], scale)["refs"]
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO users (phone, name, password_hash, active, org_unit_id, login_token, created_at)
                SELECT '150' || lpad(n::text, 8, '0'), '用户' || n, template.password_hash, true,
                       grids.ids[1 + n % cardinality(grids.ids)], md5('plans-' || n), template.created_at
                FROM generate_series(1, :count) AS n,
                     (SELECT password_hash, created_at FROM users ORDER BY id LIMIT 1) AS template,
                     (SELECT array_agg(id ORDER BY id) AS ids FROM org_units WHERE kind = 'grid') AS grids
                """
            ),
            {"count": extra_users},
        )
        conn.execute(
            text("INSERT INTO user_roles (user_id, role) SELECT id, 'grid_worker' FROM users WHERE phone LIKE '150%'")
        )
        conn.execute(text("ANALYZE"))
    return refs


def explain(app, statements):
    """[{"sql", "plan" (the root node of EXPLAIN (FORMAT JSON)), "seq_scans" ([(table, filter)] of its Seq Scan
    nodes)}] of the SELECT, INSERT, UPDATE and DELETE among ``statements``, planned with their own parameters (a
    custom plan, as the driver's first executions get) and the database's settings and statistics. Nothing is
    executed."""
    explained = []
    with app.app_context():
        raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for sql, parameters in statements:
            if not sql.lstrip().upper().startswith(EXPLAINED):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]
            scans = [
                (node["Relation Name"], node.get("Filter", ""))
                for node in plan_nodes(plan)
                if node["Node Type"] == "Seq Scan"
            ]
            explained.append({"sql": sql, "plan": plan, "seq_scans": scans})
        raw.rollback()
    finally:
        raw.close()
    return explained


def table_pages(app):
    """{table: pages} of the tables of the public schema (pg_class.relpages, set by ANALYZE)."""
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, relpages FROM pg_class"
                " WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
            )
        )
        return dict(rows.all())
