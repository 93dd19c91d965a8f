"""The command line of bench.run, and one scale from end to end: generate, explain, serve, log in, measure."""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import bench.run
from bench.generate import generate, upgrade_schema
from bench.run import BenchError, log
from bench.run.cpu import CpuMeter
from bench.run.figures_sql import ROW_NAME as FIGURES_ROW
from bench.run.figures_sql import compare as compare_figures_sql
from bench.run.figures_sql import summary_line as figures_summary
from bench.run.load import Session, Users, count_only, floor_row, measure, open_search
from bench.run.pages import DEFAULT_MIN_RATIO, FLOOR, floor_of, resolve_path, resolve_paths, select_pages
from bench.run.plans import explain_pages
from bench.run.report import check, print_report, write_json
from bench.run.server import APP_NAME, ROOT, Databases, Server

RESULTS = ROOT / "bench" / "results"


def prepare_database(scale, scale_dir, args, databases):
    """The database of ``scale``, generated (or, with --reuse, the one generated before), with planner
    statistics. Returns the generator's summary."""
    database_url = databases.url(scale, scale_dir)
    summary_path = scale_dir / "generated.json"
    if args.reuse and summary_path.exists() and databases.exists(scale, scale_dir):
        log(f"== scale {scale}: reusing {databases.describe(scale, scale_dir)}")
        summary = json.loads(summary_path.read_text())
        upgrade_schema(database_url)  # migrations added since it was generated
    else:
        log(f"== scale {scale}: generating {databases.describe(scale, scale_dir)}")
        if databases.dialect == "sqlite":
            (scale_dir / "bench.sqlite3").unlink(missing_ok=True)  # left by an interrupted --reuse run
        databases.create(scale, scale_dir)
        summary = generate(database_url, scale)
        summary_path.write_text(json.dumps(summary, default=str))
    databases.analyze(database_url)
    rows = ", ".join(f"{table} {count}" for table, count in summary["rows"].items())
    log(f"   {rows} in {summary['seconds']:.1f} s")
    return summary


def explain(database_url, pages, dialect):
    """The plans of every row's statements (in-process, before gunicorn starts), logged in short."""
    plans = explain_pages(database_url, pages)
    statements = sum(len(entries) for entries in plans.values())
    key = "seq_scans" if dialect == "postgresql" else "scans"
    scans = sum(len(entry.get(key, ())) for entries in plans.values() for entry in entries)
    small = sum(len(entry.get("small_seq_scans", ())) for entries in plans.values() for entry in entries)
    what = "sequential scans" if dialect == "postgresql" else "SQLite scans (notes only)"
    log(f"   query plans: {statements} statements of {len(plans)} rows explained, {scans} {what} of growing tables")
    if small:
        log(f"   ... and {small} sequential scans of growing tables still too small to judge (notes)")
    return plans


def measure_rows(server, users, args, pages, refs, backend_pids):
    """Every row against its floor, then the anonymous floor's own row (from its loads as a floor)."""
    if backend_pids and not backend_pids():
        log("   WARNING: no PostgreSQL backend serving gunicorn found on this machine: its CPU is not counted")
    session = Session(users, args, CpuMeter(server.master_pid, backend_pids))
    measured = []
    for page in pages:
        row = measure(session, page, resolve_path(floor_of(page), refs))
        measured.append(row)
        db = f" (db {row['db_cpu_ms']:.2f})" if backend_pids else ""
        log(
            f"   {page['name']:<19} {row['cpu_ms']:7.2f} ms/req{db}, {row['floor']} {row['floor_cpu_ms']:.2f}: "
            f"ratio {row['ratio']:.3f}; {row['rps']:.1f} req/s, {row['queries']} queries, "
            f"client {row['client_cpu_ms']:.2f} ms/req"
        )
    floor = floor_row(session, FLOOR) or count_only(users, FLOOR)
    return {"name": FLOOR["name"], **floor}, measured


def run_scale(scale, workdir, args, pages, databases, counts_only=False):
    """Generate a database at ``scale`` (or reuse it), explain its pages' statements, serve it and measure
    (or only count queries)."""
    scale_dir = Path(workdir) / f"scale-{scale}"
    scale_dir.mkdir(parents=True, exist_ok=bool(args.reuse))
    summary = prepare_database(scale, scale_dir, args, databases)
    refs = summary.get("refs", {})
    pages = resolve_paths(pages, refs)
    plans = {} if counts_only else explain(databases.url(scale, scale_dir), pages, databases.dialect)
    figures_sql = None
    if not counts_only and any(page["name"] == FIGURES_ROW for page in pages):
        figures_sql = compare_figures_sql(databases.url(scale, scale_dir), refs)
        log(f"   {figures_summary(figures_sql)}")
    with (
        Server(scale_dir, databases.url(scale, scale_dir, APP_NAME), args.workers) as server,
        databases.backend_pids(scale) as backend_pids,
    ):
        log(f"   gunicorn --workers {args.workers} on 127.0.0.1:{server.port}")
        users = Users(server.port)
        pages = [open_search(server.port, users.cookies_for(page), page) for page in pages]
        if counts_only:
            floor = count_only(users, FLOOR)
            measured = [count_only(users, page) for page in pages]
        else:
            floor, measured = measure_rows(server, users, args, pages, refs, backend_pids)
    for row in measured:
        row["plans"] = plans.get(row["name"], [])
    return {
        "scale": scale,
        "database": databases.dialect,
        "counts_only": counts_only,
        "rounds": args.rounds,
        "generated": summary,
        "floor": floor,
        "pages": measured,
        "figures_sql": figures_sql,
    }


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=bench.run.__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, help="rows of audit log (default 100000, --quick 2000)")
    parser.add_argument(
        "--scales",
        help="comma-separated scales, each fully measured, e.g. 1000,100000; "
        "fails when a page's SQL query count differs between them",
    )
    parser.add_argument(
        "--check-scale",
        type=int,
        help="with a single scale: also count (not time) queries at this smaller scale "
        "and compare (default 1000, --quick 200; 0 turns it off)",
    )
    parser.add_argument("--quick", action="store_true", help="scale 2000 and 2 s per page")
    parser.add_argument("--duration", type=float, help="seconds of measurement per page (default 5, --quick 2)")
    parser.add_argument("--rounds", type=int, help="floor/page alternations per page (default 3, --quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per page (default 1, --quick 0.5)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="at most this many requests per page and measurement (default 100000)",
    )
    parser.add_argument(
        "--strict", action="store_true", help=f"hold pages without a min_ratio to the {DEFAULT_MIN_RATIO} target too"
    )
    parser.add_argument("--page", action="append", metavar="NAME_OR_PATH", help="measure only these pages")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="JSON results file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, gunicorn log)")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="keep the databases in DIR and use them again in later runs instead of generating "
        "them (for trying out a change; the page views of every run stay in their audit log)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="serve from PostgreSQL instead of SQLite files: the URL of a database on the server, e.g. "
        "postgresql://postgres@127.0.0.1:5432/postgres, only connected to: every scale gets a database "
        "linli_bench_<scale> created on that server and dropped at the end (kept with --keep or --reuse)",
    )
    args = parser.parse_args(argv)

    if args.scales:
        try:
            args.scale_list = [int(part) for part in args.scales.split(",") if part.strip()]
        except ValueError:
            parser.error("--scales takes integers separated by commas, e.g. 1000,100000")
        if args.scale is not None:
            parser.error("use --scale or --scales, not both")
    else:
        args.scale_list = [args.scale or (2000 if args.quick else 100_000)]
    if args.check_scale is None:
        args.check_scale = 0 if args.scales else (200 if args.quick else 1000)
    if args.check_scale >= args.scale_list[0]:
        args.check_scale = 0
    args.duration = args.duration if args.duration is not None else (2.0 if args.quick else 5.0)
    args.rounds = args.rounds if args.rounds is not None else (2 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    if any(scale < 1 for scale in args.scale_list) or args.check_scale < 0:
        parser.error("scales must be positive")
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 60 and 1 <= args.rounds <= 20):
        parser.error("--duration must be in (0, 600], --warmup in [0, 60], --rounds in 1..20")
    if not (1 <= args.threads <= 64 and 1 <= args.workers <= 32 and args.max_requests >= args.threads):
        parser.error("--threads 1..64, --workers 1..32, --max-requests >= --threads")
    return args


def stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: gunicorn is stopped


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        databases = Databases(args.database_url)
    except BenchError as error:
        log(f"BENCHMARK ERROR: {error}")
        return 2
    workdir = str(args.reuse) if args.reuse else tempfile.mkdtemp(prefix="linli-bench-")
    runs = []
    try:
        pages = select_pages(args.page)
        if args.check_scale:
            runs.append(run_scale(args.check_scale, workdir, args, pages, databases, counts_only=True))
        for scale in args.scale_list:
            runs.append(run_scale(scale, workdir, args, pages, databases))
    except BenchError as error:
        log(f"\nBENCHMARK ERROR: {error}")
        return 2
    finally:
        if args.keep or args.reuse:
            kept = [workdir] + [f"database {name}" for name in databases.created]
            log(f"kept {', '.join(kept)}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            try:
                databases.drop_created()
            except BenchError as error:
                log(f"could not drop the databases of this run: {error}")
    failures = check(runs, pages, args.strict)
    print_report(runs, pages, failures)
    write_json(args.output, runs, failures, args, databases.dialect)
    log(f"results written to {os.path.relpath(args.output, Path.cwd())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
