"""The figures page of grid work against the same figures by hand-written SQL (issue 10: "within 1.5 times the time
of the same figures by hand-written SQL").

On the bench database, in-process (as bench.run.plans): the app's test client, logged in as the bench
administrator (an admin at the county: every order is in scope), GETs the figures page of a year
(``/grid/figures?date_from=...&date_to=...``), and a fixed SQL string per dialect, written by hand, computes the
same figures (totals, by category, by grid) on a connection of its own: in turns, ``repeat`` times each after one
of each to warm up. The medians of their CPU time (this process, plus on PostgreSQL the backends that served
them, not their parallel workers: the machine may be busy with other work, which wall-clock time would count)
are compared: ``ratio`` = page / SQL must stay within ``MAX_RATIO``; the wall-clock medians are reported
beside them. The page's time is the
whole request (the login's user load, the scope's choices, the figures' statement, rendering); the SQL's only
its statement, run and fetched. The two must also agree: the hand-written SQL's totals are compared with what
app.grid.figures computes (``same_figures``), so the comparison is of the same work.

    .venv/bin/python -m bench.run.figures_sql --database-url sqlite:////tmp/linli-bench/scale-100000/bench.sqlite3

Run by bench.run (cli.run_scale) when the row ``ROW_NAME`` is measured; its result is part of the report and of
bench/results/latest.json ("figures_sql" of each scale).
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.generate import normalise_database_url
from bench.run import BenchError, log
from bench.run.cpu import CLOCK_TICKS, snapshot
from bench.run.plans import PLANS_APP_NAME, log_in, make_app

ROW_NAME = "grid figures year"
MAX_RATIO = 1.5
REPEAT = 7
PATH = "/grid/figures?date_from={figures_from}&date_to={figures_to}"

# The sums of each (grid, category), then added up into the totals, the grids and the categories: the figures of
# app.grid.figures (see its module docstring for what each one means), written by hand for each database.
_SQLITE_PARTS = """
    SELECT grid_id, category_id,
        COUNT(*) AS received,
        SUM(status = 'merged') AS merged,
        SUM(status = 'to_mediation') AS to_mediation,
        SUM(status NOT IN ('merged', 'to_mediation')) AS counted,
        SUM(status NOT IN ('reported', 'merged', 'to_mediation') AND NOT settled_on_spot) AS dispatched,
        SUM(settled_on_spot AND status NOT IN ('merged', 'to_mediation')) AS settled,
        SUM(status = 'closed') AS closed,
        SUM(status = 'closed' AND ROUND((julianday(closed_at) - julianday(reported_at)) * 86400) <= 259200)
            AS closed_3_days,
        SUM(CASE WHEN status = 'closed' THEN ROUND((julianday(closed_at) - julianday(reported_at)) * 86400) ELSE 0 END)
            AS closed_seconds,
        SUM(CASE WHEN status NOT IN ('merged', 'to_mediation') THEN reopen_count ELSE 0 END)
            + SUM(status IN ('verified', 'closed') AND NOT settled_on_spot) AS answers,
        SUM(status IN ('verified', 'closed') AND NOT settled_on_spot
            AND satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied,
        0 AS handled, 0 AS on_time
    FROM grid_orders
    WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND reported_at >= :start AND reported_at < :end
    GROUP BY grid_id, category_id
    UNION ALL
    SELECT grid_id, category_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), SUM(replied_at <= due_at)
    FROM grid_orders
    WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND replied_at >= :start AND replied_at < :end
        AND +status IN ('replied', 'verified', 'closed')  -- "+": read by the covering index of (grid, reply time)
    GROUP BY grid_id, category_id
"""
_POSTGRESQL_PARTS = """
    SELECT grid_id, category_id,
        COUNT(*) AS received,
        COUNT(*) FILTER (WHERE status = 'merged') AS merged,
        COUNT(*) FILTER (WHERE status = 'to_mediation') AS to_mediation,
        COUNT(*) FILTER (WHERE status NOT IN ('merged', 'to_mediation')) AS counted,
        COUNT(*) FILTER (WHERE status NOT IN ('reported', 'merged', 'to_mediation') AND NOT settled_on_spot)
            AS dispatched,
        COUNT(*) FILTER (WHERE settled_on_spot AND status NOT IN ('merged', 'to_mediation')) AS settled,
        COUNT(*) FILTER (WHERE status = 'closed') AS closed,
        COUNT(*) FILTER (WHERE status = 'closed' AND closed_at <= reported_at + interval '72 hours') AS closed_3_days,
        COALESCE(SUM(EXTRACT(EPOCH FROM closed_at - reported_at)) FILTER (WHERE status = 'closed'), 0)
            AS closed_seconds,
        COALESCE(SUM(reopen_count) FILTER (WHERE status NOT IN ('merged', 'to_mediation')), 0)
            + COUNT(*) FILTER (WHERE status IN ('verified', 'closed') AND NOT settled_on_spot) AS answers,
        COUNT(*) FILTER (WHERE status IN ('verified', 'closed') AND NOT settled_on_spot
            AND satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied,
        0 AS handled, 0 AS on_time
    FROM grid_orders
    WHERE grid_id = ANY(%(grids)s) AND reported_at >= %(start)s AND reported_at < %(end)s
    GROUP BY grid_id, category_id
    UNION ALL
    SELECT grid_id, category_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), COUNT(*) FILTER (WHERE replied_at <= due_at)
    FROM grid_orders
    WHERE grid_id = ANY(%(grids)s) AND replied_at >= %(start)s AND replied_at < %(end)s
        AND status IN ('replied', 'verified', 'closed')
    GROUP BY grid_id, category_id
"""
_SUMS = (
    "received, merged, to_mediation, counted, dispatched, settled, closed, closed_3_days, closed_seconds, answers, "
    "satisfied, handled, on_time"
).split(", ")
_ROLLUP = """
WITH parts AS MATERIALIZED ({parts})
SELECT 'total' AS kind, NULL AS grid_id, NULL AS category, {sums} FROM parts
UNION ALL
SELECT 'grid', grid_id, NULL, {sums} FROM parts GROUP BY grid_id
UNION ALL
SELECT 'category', NULL, c.name, {sums} FROM parts JOIN grid_categories c ON c.id = parts.category_id GROUP BY c.name
"""
SQL = {
    dialect: _ROLLUP.format(parts=parts, sums=", ".join(f"SUM({name}) AS {name}" for name in _SUMS))
    for dialect, parts in (("sqlite", _SQLITE_PARTS), ("postgresql", _POSTGRESQL_PARTS))
}


def hand_written_params(dialect, grid_ids, start, end):
    """The parameters of ``SQL[dialect]``: the grids, and the period [start, end) as the columns hold it (naive
    UTC; SQLite's text form)."""
    start, end = (moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) for moment in (start, end))
    if dialect == "sqlite":
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        return {"grids": json.dumps(list(grid_ids)), "start": start.strftime(fmt), "end": end.strftime(fmt)}
    return {"grids": list(grid_ids), "start": start, "end": end}


def _median_ms(seconds):
    return statistics.median(seconds) * 1000


class CpuClock:
    """CPU seconds used so far by this process and, on PostgreSQL, by the backends serving the app's engine
    (their /proc/<pid>/stat; the database runs on this machine, as bench.run's measurements need)."""

    def __init__(self, connection):
        self.backends = []
        if connection.dialect.name == "postgresql":
            self.backends = list(
                connection.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %(name)s", {"name": PLANS_APP_NAME}
                ).scalars()
            )
            connection.rollback()

    def __call__(self):
        return time.process_time() + sum(snapshot(self.backends).values()) / CLOCK_TICKS


def compare(database_url, refs, repeat=REPEAT):
    """Time the figures page of the year ``refs["figures_from"]`` .. ``refs["figures_to"]`` and the hand-written
    SQL of the same figures on the bench database, one after the other ``repeat`` times (after one of each to
    warm up); returns the medians of their CPU time (this process, plus the PostgreSQL backends) and of their
    wall-clock time, the ratio (of the CPU times: the machine may be busy with other work) and whether they
    agree."""
    from app.core.models import User
    from app.extensions import db
    from app.grid.figures import compute_figures, period_bounds, scope_choices
    from bench.generate import BENCH_ADMIN_PHONE

    path = PATH.format(**refs)
    date_from, date_to = (date.fromisoformat(refs[name]) for name in ("figures_from", "figures_to"))
    times = {"page": ([], []), "sql": ([], [])}  # (CPU seconds, wall seconds) of each run
    with make_app(database_url) as app:
        client = app.test_client()
        log_in(client)
        with app.test_request_context():
            tz = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
            admin = db.session.scalar(db.select(User).where(User.phone == BENCH_ADMIN_PHONE))
            choices = scope_choices(admin)
            figures = compute_figures(choices, date_from, date_to, tz=tz)
            dialect = db.engine.dialect.name
            params = hand_written_params(
                dialect, choices.grid_ids(choices.root.id), *period_bounds(date_from, date_to, tz)
            )
            db.session.remove()
            engine = db.engine

        def page():
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"GET {path} (in-process) answered {response.status_code}")

        with engine.connect() as connection:
            dbapi = connection.connection

            def hand_written():
                cursor = dbapi.cursor()
                cursor.execute(SQL[dialect], params)
                found = cursor.fetchall()
                cursor.close()
                dbapi.rollback()
                return found

            page()  # warm up both, and open the app's connection before the backends are looked up
            rows = hand_written()
            cpu = CpuClock(connection)
            for _round in range(repeat):
                for name, run in (("page", page), ("sql", hand_written)):
                    cpu_before, wall_before = cpu(), time.perf_counter()
                    run()
                    times[name][0].append(cpu() - cpu_before)
                    times[name][1].append(time.perf_counter() - wall_before)

    total = next(row for row in rows if row[0] == "total")
    by_name = dict(zip(_SUMS, total[3:], strict=True))
    app_total = figures.total
    differences = {
        name: (float(by_name[name] or 0), float(getattr(app_total, name)))
        for name in _SUMS
        if abs(float(by_name[name] or 0) - float(getattr(app_total, name))) > 1e-6
    }
    page_ms, sql_ms = _median_ms(times["page"][0]), _median_ms(times["sql"][0])
    return {
        "path": path,
        "database": dialect,
        "repeat": repeat,
        "page_ms": page_ms,
        "sql_ms": sql_ms,
        "ratio": page_ms / sql_ms if sql_ms else None,
        "max_ratio": MAX_RATIO,
        "page_wall_ms": _median_ms(times["page"][1]),
        "sql_wall_ms": _median_ms(times["sql"][1]),
        "received": app_total.received,
        "handled": app_total.handled,
        "grids": sum(1 for row in rows if row[0] == "grid"),
        "categories": sum(1 for row in rows if row[0] == "category"),
        "same_figures": not differences,
        "differences": differences,
        "page_runs_cpu_ms": [round(t * 1000, 2) for t in times["page"][0]],
        "sql_runs_cpu_ms": [round(t * 1000, 2) for t in times["sql"][0]],
    }


def problems(result):
    """What fails the comparison: a ratio over MAX_RATIO, or figures that differ."""
    found = []
    if result.get("ratio") is None or result["ratio"] > result["max_ratio"]:
        found.append(
            f"the figures page takes {result['page_ms']:.1f} ms of CPU, {result['ratio'] or 0:.2f} times the "
            f"hand-written SQL's {result['sql_ms']:.1f} ms (at most {result['max_ratio']})"
        )
    if not result["same_figures"]:
        found.append(f"the hand-written SQL's figures differ from the page's: {result['differences']}")
    return found


def summary_line(result):
    return (
        f"figures page vs hand-written SQL ({result['received']} orders received, {result['handled']} handled; "
        f"medians of {result['repeat']}): page {result['page_ms']:.1f} ms of CPU ({result['page_wall_ms']:.1f} ms "
        f"wall), SQL {result['sql_ms']:.1f} ms ({result['sql_wall_ms']:.1f} ms wall), "
        f"ratio {result['ratio']:.2f} (at most {result['max_ratio']}), "
        f"{'same figures' if result['same_figures'] else 'DIFFERENT figures'}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run.figures_sql", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="the bench database (generated by bench.generate)")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    parser.add_argument("--date-from", default=(today - timedelta(days=364)).isoformat())
    parser.add_argument("--date-to", default=today.isoformat())
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args(argv)
    result = compare(
        normalise_database_url(args.database_url),
        {"figures_from": args.date_from, "figures_to": args.date_to},
        args.repeat,
    )
    log(summary_line(result))
    for problem in problems(result):
        log(f"FAIL: {problem}")
    return 1 if problems(result) else 0


if __name__ == "__main__":
    sys.exit(main())
