"""The checks of the measured rows against their targets, the tables printed at the end, the JSON results."""

import json
import os
import platform
from datetime import UTC, datetime
from urllib.parse import unquote

from bench.generate import GROWING_TABLES
from bench.run import log
from bench.run.cpu import CLOCK_TICKS
from bench.run.figures_sql import problems as figures_sql_problems
from bench.run.figures_sql import summary_line as figures_sql_line
from bench.run.pages import DEFAULT_MIN_RATIO, FLOOR
from bench.run.plans import plan_problems


def ratio_findings(row):
    """(problems, notes) of a measured row's ratio against its minimum."""
    minimum = row["min_ratio"]
    if row.get("ratio") is None:
        return ["no server CPU measured for the page (is --duration too short?)"], []
    if minimum is not None and row["ratio"] < minimum:
        return [f"ratio {row['ratio']:.3f} < {minimum:.2f}"], []
    if minimum is None and row["ratio"] < DEFAULT_MIN_RATIO:
        return [], [f"below {DEFAULT_MIN_RATIO:.2f} (not enforced)"]
    return [], []


def query_findings(row, page, rows):
    problems = []
    if row["max_queries"] is not None and row["queries"] > row["max_queries"]:
        problems.append(f"{row['queries']} queries > {row['max_queries']}")
    if len(row["queries_seen"]) > 1:
        problems.append(f"query count varies between requests: {row['queries_seen']}")
    twin = page.get("same_queries_as")
    twin_row = next((r for r in rows if r["name"] == twin), None)
    if twin_row is not None and twin_row["queries"] != row["queries"]:
        problems.append(f"{row['queries']} queries, but {twin_row['queries']} for {twin}")
    return problems


def check_row(row, page, run, strict):
    minimum = page.get("min_ratio", DEFAULT_MIN_RATIO)
    row["min_ratio"] = DEFAULT_MIN_RATIO if minimum is None and strict else minimum
    row["max_queries"] = page.get("max_queries")
    problems, notes = ratio_findings(row) if not run["counts_only"] else ([], [])
    problems += query_findings(row, page, run["pages"])
    plan_fails, plan_notes = plan_problems(row.get("plans", ()))
    row["problems"], row["notes"] = problems + plan_fails, notes + plan_notes
    return row["problems"]


def check(runs, pages, strict=False):
    """The failures: ratios under their minimum, too many queries, counts that change with scale, sequential
    scans of growing tables (PostgreSQL).

    A page whose ``min_ratio`` is None is only reported against ``DEFAULT_MIN_RATIO``, unless ``strict``.
    """
    failures = []
    by_name = {page["name"]: page for page in pages}
    for run in runs:
        for row in run["pages"]:
            problems = check_row(row, by_name[row["name"]], run, strict)
            failures += [f"scale {run['scale']}: {row['name']} ({unquote(row['path'])}): {p}" for p in problems]
        if run.get("figures_sql"):  # the figures page against hand-written SQL (bench.run.figures_sql)
            failures += [f"scale {run['scale']}: {p}" for p in figures_sql_problems(run["figures_sql"])]
    if len(runs) > 1:
        for name in [FLOOR["name"]] + [page["name"] for page in pages]:
            counts = {run["scale"]: query_count(run, name) for run in runs}
            if len(set(counts.values())) > 1:
                seen = ", ".join(f"{count} at scale {scale}" for scale, count in counts.items())
                failures.append(f"{name}: SQL queries per request change with scale: {seen}")
    return failures


def query_count(run, name):
    if name == FLOOR["name"]:
        return run["floor"]["queries"]
    return next(row["queries"] for row in run["pages"] if row["name"] == name)


def number(value, spec):
    return "-" if value is None else format(value, spec)


def result_text(row):
    if row.get("problems"):
        return "FAIL: " + "; ".join(row["problems"] + row["notes"])
    return "; ".join(row.get("notes", ())) or "ok"


COLUMNS = [
    # header, width, row key, format
    ("CPU ms/req", 10, "cpu_ms", ".2f"),
    ("floor ms", 8, "floor_cpu_ms", ".2f"),
    ("ratio", 6, "ratio", ".3f"),
    ("min", 5, "min_ratio", ".2f"),
    ("SQL/req", 7, "queries", "d"),
    ("req/s", 7, "rps", ".1f"),
    ("p50 ms", 7, "p50_ms", ".1f"),
    ("p95 ms", 7, "p95_ms", ".1f"),
]


def table_lines(run, pages):
    w_name = max([16] + [len(page["name"]) for page in pages])
    w_path = max([16] + [len(unquote(row["path"])) for row in run["pages"]])
    w_floor = max([5] + [len(row["floor"]) for row in run["pages"]])
    header = f"{'page':<{w_name}} {'path':<{w_path}} {'floor':<{w_floor}} " + " ".join(
        f"{title:>{width}}" for title, width, _, _ in COLUMNS
    )
    lines = [header + "  result", "-" * (len(header) + 8)]
    floor = dict(run["floor"], floor="-", result="the floor of the floors")
    for row in [floor] + run["pages"]:
        cells = " ".join(f"{number(row.get(key), spec):>{width}}" for _, width, key, spec in COLUMNS)
        result = row.get("result") or result_text(row)
        lines.append(
            f"{row['name']:<{w_name}} {unquote(row['path']):<{w_path}} {row['floor']:<{w_floor}} {cells}  {result}"
        )
    return lines


def run_heading(run):
    clients = [row["client_cpu_ms"] for row in run["pages"] if row.get("client_cpu_ms") is not None]
    client = f"; the clients' own CPU {min(clients):.2f}-{max(clients):.2f} ms/req" if clients else ""
    db = " (gunicorn's workers + PostgreSQL's backends)" if run["database"] == "postgresql" else " (gunicorn's workers)"
    return (
        f"scale {run['scale']} on {run['database']} (generated in {run['generated']['seconds']:.1f} s); "
        f"CPU ms/req: server CPU per request{db}; ratio = floor ms / page ms (medians of {run['rounds']} rounds)"
        f"{client}"
    )


def print_report(runs, pages, failures):
    for run in runs:
        if run["counts_only"]:
            continue
        log()
        log(run_heading(run))
        for line in table_lines(run, pages):
            log(line)
        if run.get("figures_sql"):
            log(figures_sql_line(run["figures_sql"]))
    if len(runs) > 1:
        print_counts_by_scale(runs, pages)
    log()
    if failures:
        log(f"FAILED ({len(failures)}):")
        for failure in failures:
            log(f"  - {failure}")
    else:
        log("all targets met")


def print_counts_by_scale(runs, pages):
    w_name = max([16] + [len(page["name"]) for page in pages])
    log()
    log(
        "SQL queries per request by scale"
        + (" (the smallest scale: counted, not timed)" if runs[0]["counts_only"] else "")
    )
    scales = [run["scale"] for run in runs]
    log(f"{'page':<{w_name}} " + " ".join(f"{scale:>10}" for scale in scales) + "  result")
    for name in [FLOOR["name"]] + [page["name"] for page in pages]:
        counts = [query_count(run, name) for run in runs]
        result = "ok" if len(set(counts)) == 1 else "FAIL: changes with scale"
        log(f"{name:<{w_name}} " + " ".join(f"{count:>10}" for count in counts) + f"  {result}")


def write_json(path, runs, failures, args, database="sqlite"):
    document = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "settings": {
            "threads": args.threads,
            "workers": args.workers,
            "duration": args.duration,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "max_requests": args.max_requests,
            "strict": args.strict,
            "database": database,
            "clock_ticks_per_second": CLOCK_TICKS,
            "growing_tables": sorted(GROWING_TABLES),
        },
        "runs": runs,
        "failures": failures,
        "ok": not failures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=sorted) + "\n", encoding="utf-8")
