"""The PostgreSQL plans of the case list, the filtered case list and the case pages: no statement reads a growing
table whole (a Seq Scan), so that the pages stay fast at 100,000 cases. PostgreSQL only: the plans are
PostgreSQL's (run the suite with DATABASE_URL=postgresql://... to include them)."""

import pytest

from app.extensions import db
from bench.run.plans import capture_statements, log_in, open_search_in_process
from tests.mediation.plans_support import GROWING_TABLES, MIN_PAGES, SCALE, explain, make_data_set, table_pages

# a search is posted, never in a URL (app.core.searches): the page is the list it redirects to
SEARCHES = {"case list filtered": {"status": "in_mediation", "q": "张"}}
PAGES = {
    "case list": "/mediation/",
    "case list filtered": "/mediation/",  # searched: SEARCHES
    "case page": "/mediation/cases/{case_2_parties}",
    "case page 6 parties": "/mediation/cases/{case_6_parties}",
}

# The tables these pages search or list, which the data set must make big enough for their plans to mean
# something (else the test would pass because nothing is big).
SEARCHED = {"mediation_cases", "mediation_parties", "mediation_case_events", "audit_entries", "notifications", "users"}

PREFIX_INDEXES = {
    "ix_mediation_cases_number": "mediation_cases",
    "ix_mediation_cases_address": "mediation_cases",
    "ix_mediation_parties_name": "mediation_parties",
    "ix_mediation_parties_phone": "mediation_parties",
    "ix_mediation_parties_address": "mediation_parties",
}


@pytest.fixture
def pg_app(app):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "postgresql":
        pytest.skip(
            f"query plans are PostgreSQL's: this run's database is {dialect} (set DATABASE_URL=postgresql://...)"
        )
    return app


def test_the_list_and_case_pages_read_no_growing_table_whole(pg_app):
    """Every statement of the case list, the list filtered by status and searched for 张, and two case pages
    (2 and 6 parties) is planned without a Seq Scan of a growing table.

    How the planner's choice is made meaningful on a small data set, without ``SET enable_seqscan = off`` (which
    turns any index into a "yes", even one read from end to end because it cannot serve the condition):

    - **Enough rows, real statistics.** The benchmark's own generator (``bench.generate``, seeded) fills the
      database at 5,000 cases: ~11,500 parties, ~3,800 timeline entries, 5,000 audit entries, 1,000
      notifications, plus 2,000 users; then ``ANALYZE`` ("statistics forced", as autovacuum would have them).
      The searched tables are then a hundred pages or more, and a selective condition (parties whose name
      starts with 张, 2 % of them; one case's timeline; one user) is cheaper by an index than by reading the
      table, so the planner, left to its defaults, picks a Seq Scan only when no index can serve the condition.
      The filtered list's ``name LIKE '张%' OR phone LIKE '张%' OR address LIKE '张%'`` is the case in point: under
      a database collation other than C a plain b-tree cannot serve LIKE 'prefix%', and without the
      ``varchar_pattern_ops`` indexes (migration 5e1f0a7c2b94) this test fails with "case list filtered: Seq
      Scan on mediation_parties", as the plan at 100,000 cases had it; with them the plan is a BitmapOr of the
      three indexes (estimated at about half the cost of the scan, so the choice is not a near thing).
    - **Only tables the data set makes big.** A growing table of a few pages (here: the follow-up visits, case
      helpers, recusals, live sessions) is read whole by any sensible plan, indexes or not: a growing table is
      held to the rule when it has at least ``MIN_PAGES`` pages, and the test first checks that the tables
      these pages search are among them, so that the check cannot quietly become empty.
    - **Real statements.** The statements are those the pages run (captured in-process with a
      ``before_cursor_execute`` listener, logged in as the benchmark's administrator), explained with their own
      parameters: the custom plans PostgreSQL makes for them (and keeps for them once psycopg prepares them).
    """
    app = pg_app
    refs = make_data_set(app)
    pages = table_pages(app)
    big = {table for table in GROWING_TABLES if pages.get(table, 0) >= MIN_PAGES}
    assert SEARCHED <= big, f"the data set at scale {SCALE} leaves these small: {sorted(SEARCHED - big)}"

    client = app.test_client()
    log_in(client)
    problems = []
    for name, path in PAGES.items():
        if name in SEARCHES:
            path = open_search_in_process(client, {"name": name, "path": path, "search": SEARCHES[name]})
        statements = capture_statements(app, client, path.format(**refs))
        if name == "case list filtered":
            assert any("mediation_parties.name LIKE" in sql for sql, _ in statements), "the search did not run"
        for entry in explain(app, statements):
            problems += [
                f"{name}: Seq Scan on {table} (Filter: {condition or 'none'}) in: {' '.join(entry['sql'].split())}"
                for table, condition in entry["seq_scans"]
                if table in big
            ]
    assert not problems, "\n".join(problems)


def test_the_search_indexes_compare_bytes(pg_app):
    """The indexes of the case list's search have the operator class the models declare (alembic's comparison
    of models and migrations does not look at operator classes)."""
    with pg_app.app_context(), db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT i.relname, opc.opcname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_opclass opc ON opc.oid = x.indclass[0] WHERE i.relname = ANY(%(names)s)",
            {"names": list(PREFIX_INDEXES)},
        ).all()
    declared = {
        index.name: next(iter(index.dialect_options["postgresql"]["ops"].values()))
        for index in db.metadata.tables["mediation_cases"].indexes | db.metadata.tables["mediation_parties"].indexes
        if index.name in PREFIX_INDEXES
    }
    assert dict(rows) == declared == dict.fromkeys(PREFIX_INDEXES, "varchar_pattern_ops")
