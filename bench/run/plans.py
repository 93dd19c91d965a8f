"""The query plans of every statement a page runs: a sequential scan of a growing table fails the row.

A page's statements are captured in-process (``capture_statements``): the app is built on the bench database
(``make_app``), its test client logs in as the bench administrator (``log_in``), a ``before_cursor_execute``
listener on the engine records every statement with its parameters while the page is fetched. Each one is
then explained on a connection of its own (``explain_all``) with the same parameters:

- on PostgreSQL ``EXPLAIN (FORMAT JSON)`` (never ANALYZE: nothing is executed, nothing written), whose plan
  tree ``seq_scans`` walks for "Seq Scan" nodes on a table of ``growing`` (bench.generate.GROWING_TABLES, the
  tables whose rows grow with the scale). A statement with such a scan is explained again with
  ``enable_seqscan = off``: a scan still there ("no_index") is one no index can replace, a failure at any size
  (a lower bound: with sequential scans off the planner may read a whole index instead, no better).
  A scan the planner chose over an index it has, on a table still under ``MIN_ROWS_JUDGED`` rows, is right for
  that size and only noted (``set_aside_small_tables``); on a larger table it fails the row too.
- on SQLite ``EXPLAIN QUERY PLAN``, whose "SCAN <table>" lines without an index are only noted (SQLite picks
  a scan for small tables too, and has no statistics-free way to tell).

The same functions serve a test of ``make test``, on a database of any size::

    statements = capture_statements(app, client, "/mediation/")
    with db.engine.connect() as connection:
        explained = explain_all(connection, statements, GROWING_TABLES)
    assert not [entry for entry in explained if entry.get("no_index")]  # PostgreSQL
"""

import io
import json
import re
import secrets
import tempfile
from contextlib import contextmanager

from sqlalchemy import event, text

from bench.generate import BENCH_ADMIN_PHONE, BENCH_PASSWORD, GROWING_TABLES, normalise_database_url
from bench.run import BenchError

EXPLAINED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
# A growing table with fewer rows than this at the scale measured (users, agreements, files at 100,000; nearly all
# at --quick) is too small to judge a sequential scan the planner chose over an index it has: PostgreSQL rightly
# reads a table of a few pages whole. Such a scan is noted; a scan no index could replace fails at any size.
MIN_ROWS_JUDGED = 10_000
SQL_SHOWN = 160  # characters of a statement kept in the results
PLANS_APP_NAME = "linli-bench-plans"
SQLITE_SCAN = re.compile(r"^SCAN (?:TABLE )?(\S+)(?: AS \S+)?(?P<index> USING (?:.*INDEX|INTEGER PRIMARY KEY))?")
SQL_ALIAS = re.compile(r'"?(\w+)"?\s+AS\s+"?(\w+)"?', re.IGNORECASE)


# --- the plan walker (pure) ------------------------------------------------------------------


def plan_nodes(plan):
    """Every node of a plan tree (a node and its "Plans", depth first)."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


def root_plan(plan_json):
    """The top node of the output of ``EXPLAIN (FORMAT JSON)``: a JSON text, or its list of one
    {"Plan": {...}}, or that dict, or the node itself."""
    if isinstance(plan_json, str | bytes):
        plan_json = json.loads(plan_json)
    if isinstance(plan_json, list):
        plan_json = plan_json[0]
    return plan_json.get("Plan", plan_json)


def seq_scans(plan_json, growing):
    """The tables of ``growing`` that a PostgreSQL plan reads by a sequential scan ("Seq Scan" nodes, parallel
    ones included), in the order of the plan."""
    return [
        node["Relation Name"]
        for node in plan_nodes(root_plan(plan_json))
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in growing
    ]


def top_node(plan_json):
    """The top node of a plan, e.g. "Limit" or "Index Scan on mediation_cases"."""
    node = root_plan(plan_json)
    relation = node.get("Relation Name")
    return node.get("Node Type", "?") + (f" on {relation}" if relation else "")


def sqlite_scans(details, sql, growing):
    """The tables of ``growing`` that a SQLite plan (the "detail" lines of EXPLAIN QUERY PLAN) reads whole:
    "SCAN <table or alias>" without an index. Aliases ("mediation_cases AS mediation_cases_1") are found in
    ``sql``."""
    aliases = {alias: table for table, alias in SQL_ALIAS.findall(sql) if table in growing}
    scanned = []
    for detail in details:
        match = SQLITE_SCAN.match(detail)
        if match and not match.group("index"):
            table = aliases.get(match.group(1), match.group(1))
            if table in growing:
                scanned.append(table)
    return scanned


def shorten(sql, limit=SQL_SHOWN):
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- capturing a page's statements -----------------------------------------------------------


@contextmanager
def make_app(database_url):
    """The app on the bench database (``LINLI_BENCH`` on, for the floors' routes), in a temporary instance
    folder; its engine is disposed at the end."""
    from app import create_app
    from app.extensions import db

    url = normalise_database_url(database_url)
    options = {}
    if url.startswith("postgresql"):
        options["connect_args"] = {"application_name": PLANS_APP_NAME}
    with tempfile.TemporaryDirectory(prefix="linli-bench-plans-") as instance_dir:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": options,
                "INSTANCE_DIR": instance_dir,
                "UPLOAD_FOLDER": instance_dir,
                "SECRET_KEY": secrets.token_hex(16),
                "RATELIMIT_STORAGE_URI": "memory://",
                "LINLI_COUNT_QUERIES": False,
                "LINLI_BENCH": True,
            }
        )
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def log_in(client, phone=BENCH_ADMIN_PHONE, password=BENCH_PASSWORD):
    """Log the test ``client`` in with the login form (its CSRF token read from GET /login)."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    if page.status_code != 200 or not match:
        raise BenchError(f"GET /login (in-process) answered {page.status_code}, with no csrf_token")
    response = client.post("/login", data={"phone": phone, "password": password, "csrf_token": match.group(1)})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise BenchError(f"in-process login as {phone} failed: {response.status_code}")


def capture_statements(app, client, path, form=None):
    """The statements (SQL in the driver's parameter style, parameters) the database ran for GET ``path``
    with the test ``client`` (or for POST of ``form``, a row's form_data with its "headers": see
    ``post_form``), in order; only the first parameter set of an executemany."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if executemany and parameters:
            parameters = parameters[0]
        recorded.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = post_form(client, path, *form) if form else client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise BenchError(f"{'POST' if form else 'GET'} {path} (in-process) answered {response.status_code}")
    return recorded


def form_for(client, page):
    """What ``post_form`` sends for a row with a form: its fields with the CSRF token of its page (fetched
    now, before the statements are recorded), its files, its headers."""
    response = client.get(page["path"])
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    if response.status_code != 200 or not match:
        raise BenchError(f"GET {page['path']} (in-process) answered {response.status_code}, with no csrf_token")
    fields, files = page["form_data"]
    return {**fields, "csrf_token": match.group(1)}, files, page.get("headers", {})


def post_form(client, path, fields, files, headers):
    data = {**fields, "submission_key": secrets.token_urlsafe(24)}
    for name, filename, content_type, content in files:
        data.setdefault(name, []).append((io.BytesIO(content), filename, content_type))
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


# --- explaining them -------------------------------------------------------------------------


def explain_all(connection, statements, growing=GROWING_TABLES):
    """Explain every SELECT, INSERT, UPDATE, DELETE (and WITH) of ``statements`` ([(sql, parameters)] as
    ``capture_statements`` returns them) on ``connection`` (a SQLAlchemy Connection; nothing is executed).

    Returns one dict per statement explained: "n" (its position among all statements, from 1), "sql"
    (shortened), "top" (the top plan node, or SQLite's first plan line), and
    - PostgreSQL: "seq_scans", the growing tables the plan reads by a sequential scan; when there are some,
      "no_index", those still read so with ``enable_seqscan = off`` (no index can serve the statement);
    - SQLite: "scans", the growing tables read without an index;
    or "error" when the database could not explain it.
    """
    dbapi = connection.connection  # the driver's connection: the statements are in its parameter style
    explain = explain_postgresql if connection.dialect.name == "postgresql" else explain_sqlite
    explained = []
    for n, (sql, parameters) in enumerate(statements, 1):
        if not sql.lstrip().upper().startswith(EXPLAINED):
            continue
        entry = {"n": n, "sql": shorten(sql)}
        try:
            entry.update(explain(dbapi, sql, parameters, growing))
        except Exception as error:  # noqa: BLE001 - a statement the database cannot explain is reported
            entry["error"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        finally:
            dbapi.rollback()  # also ends SET LOCAL
        explained.append(entry)
    return explained


def explain_postgresql(dbapi, sql, parameters, growing):
    cursor = dbapi.cursor()
    try:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, parameters)
        plan = cursor.fetchone()[0]
        found = {"top": top_node(plan), "seq_scans": seq_scans(plan, growing)}
        if found["seq_scans"]:
            # Could an index serve it? With sequential scans disabled the planner takes any index it can use.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, parameters)
            found["no_index"] = sorted(set(seq_scans(cursor.fetchone()[0], growing)))
        return found
    finally:
        cursor.close()


def explain_sqlite(dbapi, sql, parameters, growing):
    cursor = dbapi.cursor()
    try:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, parameters)
        details = [row[-1] for row in cursor.fetchall()]
        return {"top": details[0] if details else "", "scans": sqlite_scans(details, sql, growing)}
    finally:
        cursor.close()


def set_aside_small_tables(explained, table_rows, min_rows=MIN_ROWS_JUDGED):
    """Move from each entry's "seq_scans" to its "small_seq_scans" (noted, not failed) the scans of tables with
    fewer than ``min_rows`` rows (``table_rows``: {table: rows}) that an index could replace (not in
    "no_index")."""
    for entry in explained:
        scans = entry.get("seq_scans", [])
        no_index = entry.get("no_index", scans)
        small = [table for table in scans if table_rows.get(table, 0) < min_rows and table not in no_index]
        if small:
            entry["seq_scans"] = [table for table in scans if table not in small]
            entry["small_seq_scans"] = small
    return explained


def plan_problems(explained):
    """(problems, notes) of a row from its explained statements: a PostgreSQL sequential scan of a growing
    table is a problem (of a table still too small to judge, that an index could replace, a note), a SQLite
    scan of one a note."""
    problems, notes = [], []
    small = sorted({table for entry in explained for table in entry.get("small_seq_scans", ())})
    if small:
        notes.append(f"seq scans of small tables, not judged: {', '.join(small)}")
    for entry in explained:
        for table in entry.get("seq_scans", ()):
            why = " (no index can serve it)" if table in entry.get("no_index", ()) else ""
            problems.append(f"seq scan of {table}{why} in statement {entry['n']}: {shorten(entry['sql'], 80)}")
        for table in entry.get("scans", ()):
            notes.append(f"SQLite scans {table} in statement {entry['n']}")
        if "error" in entry:
            notes.append(f"statement {entry['n']} not explained: {entry['error']}")
    return problems, notes


def explain_pages(database_url, pages, growing=GROWING_TABLES):
    """{row name: explained statements} of every row of ``pages`` (paths resolved), fetched in-process as the
    bench administrator, or the row's user (the anonymous floor without logging in); a row with a form posts it
    once (a new record in the bench database, like each of its requests over HTTP)."""
    from app.extensions import db

    results = {}
    with make_app(database_url) as app:
        anonymous, client = app.test_client(), app.test_client()
        log_in(client)
        users = {}  # phone -> a test client logged in as that user (rows with a "user")
        with app.app_context(), db.engine.connect() as connection:
            rows = table_rows(connection, growing)
        for page in pages:
            if page.get("anonymous"):
                requester = anonymous
            elif page.get("login"):
                if page["login"] not in users:
                    users[page["login"]] = app.test_client()
                    log_in(users[page["login"]], page["login"])
                requester = users[page["login"]]
            else:
                requester = client
            path = open_search_in_process(requester, page) if page.get("search") else page["path"]
            form = form_for(requester, page) if page.get("form_data") else None
            statements = capture_statements(app, requester, path, form)
            with app.app_context(), db.engine.connect() as connection:
                explained = explain_all(connection, statements, growing)
            results[page["name"]] = set_aside_small_tables(explained, rows)
    return results


def open_search_in_process(client, page):
    """The path a row's "search" redirects to, posted with the test ``client`` (see load.open_search)."""
    form = client.get(page["path"])
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.get_data(as_text=True))
    response = client.post(page["path"], data={**page["search"], "csrf_token": match.group(1) if match else ""})
    if response.status_code != 302:
        raise BenchError(f"the search of {page['name']} (in-process) answered {response.status_code}")
    return response.headers["Location"]


def table_rows(connection, tables):
    """{table: rows} of ``tables``, as the planner knows them (pg_class.reltuples, after ANALYZE); {} on
    SQLite."""
    if connection.dialect.name != "postgresql":
        return {}
    query = text(
        "SELECT relname, reltuples FROM pg_class "
        "WHERE relkind = 'r' AND relname = ANY(:names) AND pg_table_is_visible(oid)"
    )
    return {name: int(rows) for name, rows in connection.execute(query, {"names": sorted(tables)})}
