"""Benchmark the pages against the bare floor route, on gunicorn, over real HTTP.

    python -m bench.run                    # scale 100000, plus a query-count check at scale 1000
    python -m bench.run --quick            # scale 2000, shorter measurements
    python -m bench.run --scales 1000,100000

For each scale: generate a database (bench.generate), start gunicorn on 127.0.0.1, log in as the
bench administrator, and measure requests per second of every row of ``PAGES`` and of the floor
(``/_bench/floor``: the base template, no queries, anonymous) with the same closed-loop load.
A page passes when page req/s / floor req/s >= its ``min_ratio`` and its SQL statements per request
(the X-Query-Count header) stay within ``max_queries`` and are the same at every scale.
The table is printed and written to bench/results/latest.json; the exit status is 1 on any failure.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

from bench.generate import BENCH_ADMIN_PHONE, BENCH_PASSWORD, generate, upgrade_schema

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_MIN_RATIO = 0.5

# The mediation pages' SQL statements, measured at scales 1,000 and 100,000 (bench admin): the same at
# both, and for the 2- and 6-party cases (app of 2026-11-28, commit a7910e5).
MAX_QUERIES_CASE_LIST = 8
MAX_QUERIES_CASE_PAGE = 13

# The pages under test, all opened as the bench administrator. Later features append rows:
#   name: short label; path: what to GET ("{name}" is replaced by the id bench.generate put in ctx.refs[name]);
#   min_ratio: lowest page/floor req/s accepted (default DEFAULT_MIN_RATIO); None: measured and reported
#     against DEFAULT_MIN_RATIO but not enforced (--strict enforces it);
#   max_queries (optional): most SQL statements per request accepted;
#   same_queries_as (optional): the name of another page that must run exactly as many SQL statements.
# The foundation pages do not reach 0.5 yet: measured on 2 cores at scale 100000 (see bench/README.md)
# home ~0.45, admin users ~0.10, admin audit ~0.08, notifications ~0.19, admin units ~0.15.
PAGES = [
    # The floor again, as the logged-in bench administrator: what being logged in costs every page (the
    # session, the query that loads the user with their roles and unread count, the menu).
    {"name": "floor logged in", "path": "/_bench/floor", "min_ratio": None, "max_queries": 1},
    # ... and writing one audit entry as every view of a case's details must (GET /_bench/audited).
    {"name": "floor + audit entry", "path": "/_bench/audited", "min_ratio": None, "max_queries": 2},
    {"name": "home", "path": "/", "min_ratio": None, "max_queries": 4},
    {"name": "admin users", "path": "/admin/users", "min_ratio": None},
    {"name": "admin audit", "path": "/admin/audit", "min_ratio": None, "max_queries": 8},
    {"name": "notifications", "path": "/notifications", "min_ratio": None, "max_queries": 5},
    {"name": "admin units", "path": "/admin/units", "min_ratio": None, "max_queries": 6},
    # The mediation studio (issue: the case list and a case page at 100,000 cases, queries constant, ratio >= 0.5).
    {"name": "case list", "path": "/mediation/", "min_ratio": 0.5, "max_queries": MAX_QUERIES_CASE_LIST},
    {"name": "case list filtered", "path": "/mediation/?" + urlencode({"status": "in_mediation", "q": "张"}),
     "min_ratio": 0.5, "max_queries": MAX_QUERIES_CASE_LIST},
    # {case_2_parties} and {case_6_parties}: ids from bench.generate (mediation_cases); the two cases are
    # the same but for their parties, so the counts must be equal. Each view writes one audit row (by design).
    {"name": "case page", "path": "/mediation/cases/{case_2_parties}", "min_ratio": 0.5,
     "max_queries": MAX_QUERIES_CASE_PAGE},
    {"name": "case page 6 parties", "path": "/mediation/cases/{case_6_parties}", "min_ratio": 0.5,
     "max_queries": MAX_QUERIES_CASE_PAGE, "same_queries_as": "case page"},
]
FLOOR = {"name": "floor", "path": "/_bench/floor"}

STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
REQUEST_TIMEOUT = 30  # seconds for one HTTP request


class BenchError(Exception):
    """Something that must stop the run: a page that does not answer 200, a server that does not start."""


def log(message=""):
    print(message, flush=True)


# --- HTTP ------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection (http.client reopens it when the server closes it) and its cookies."""

    def __init__(self, port, cookies=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.cookies = dict(cookies or {})

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a broken connection is not reused
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.will_close:
            self.conn.close()
        return response, data

    def close(self):
        self.conn.close()


def login(port):
    """Log in as the bench administrator like a browser: read the CSRF token, post the form."""
    client = Client(port)
    try:
        response, body = client.request("GET", "/login")
        if response.status != 200:
            raise BenchError(f"GET /login answered {response.status}")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', body)
        if not match:
            raise BenchError("no csrf_token in the login form")
        form = urlencode({"phone": BENCH_ADMIN_PHONE, "password": BENCH_PASSWORD,
                          "csrf_token": match.group(1).decode()})
        response, body = client.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        location = response.headers.get("Location", "")
        if response.status != 302 or urlsplit(location).path.startswith("/login"):
            raise BenchError(f"login as {BENCH_ADMIN_PHONE} failed: {response.status} {location!r}")
        # An administrator page answers 200 only when the session holds.
        response, _ = client.request("GET", "/admin/")
        if response.status != 200:
            raise BenchError(f"after login, GET /admin/ answered {response.status}")
        return dict(client.cookies)
    finally:
        client.close()


# --- load ------------------------------------------------------------------------------------


def load(port, path, cookies, threads, seconds, max_requests):
    """Closed loop: ``threads`` clients send GET ``path`` one after the other until ``seconds`` have
    passed or ``max_requests`` have been sent in all. Every answer must be 200.

    Returns {"requests", "seconds", "rps", "queries" (set of X-Query-Count seen), "latencies"}.
    """
    per_thread = max(1, max_requests // threads)
    barrier = threading.Barrier(threads + 1)
    results = [None] * threads
    errors = []

    def worker(index):
        client = Client(port, cookies)
        latencies, queries = [], set()
        try:
            barrier.wait(timeout=30)
            deadline = time.perf_counter() + seconds
            while len(latencies) < per_thread and time.perf_counter() < deadline and not errors:
                t0 = time.perf_counter()
                response, body = client.request("GET", path)
                latencies.append(time.perf_counter() - t0)
                if response.status != 200:
                    snippet = body[:200].decode(errors="replace")
                    where = response.headers.get("Location", "")
                    raise BenchError(f"GET {path} answered {response.status} {where} {snippet!r}")
                queries.add(response.headers.get("X-Query-Count"))
            results[index] = (latencies, queries, time.perf_counter())
        except Exception as error:  # noqa: BLE001 - reported by the main thread, which fails the run
            errors.append(error)
            barrier.abort()
        finally:
            client.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    try:
        barrier.wait(timeout=30)
    except threading.BrokenBarrierError:
        pass
    started = time.perf_counter()
    for thread in pool:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    if errors:
        raise BenchError(str(errors[0])) from errors[0]
    if any(thread.is_alive() for thread in pool) or None in results:
        raise BenchError(f"GET {path}: a client did not finish in time")
    elapsed = max(end for _, _, end in results) - started
    latencies = [value for lat, _, _ in results for value in lat]
    queries = set().union(*(q for _, q, _ in results))
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "queries": queries, "latencies": latencies}


def query_counts(seen, path):
    if None in seen:
        raise BenchError(f"GET {path}: no X-Query-Count header (is LINLI_COUNT_QUERIES set?)")
    return sorted(int(value) for value in seen)


class Tally:
    """Requests, seconds, latencies and query counts of one path, summed over several loads."""

    def __init__(self, path):
        self.path = path
        self.requests = 0
        self.seconds = 0.0
        self.latencies = []
        self.queries = set()

    def add(self, result):
        self.requests += result["requests"]
        self.seconds += result["seconds"]
        self.latencies += result["latencies"]
        self.queries |= result["queries"]

    def merge(self, other):
        self.add({"requests": other.requests, "seconds": other.seconds, "latencies": other.latencies,
                  "queries": other.queries})

    @property
    def rps(self):
        return self.requests / self.seconds

    def summary(self):
        if not self.requests:
            raise BenchError(f"GET {self.path}: no request completed (is --duration too short?)")
        counts = query_counts(self.queries, self.path)
        latencies = sorted(self.latencies)
        return {
            "path": self.path, "requests": self.requests, "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1), "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
            "queries": max(counts), "queries_seen": counts,
        }


def warm_up(port, path, cookies, args):
    if args.warmup > 0:
        load(port, path, cookies, args.threads, args.warmup, args.max_requests)


def measure(port, page, cookies, args, floor_total):
    """Warm the page up, then alternate floor and page loads in ``args.rounds`` rounds, so that both
    see the same background load on the machine. Returns the row of the results table."""
    warm_up(port, page["path"], cookies, args)
    chunk = args.duration / args.rounds
    cap = max(args.threads, args.max_requests // args.rounds)
    floor, tally = Tally(FLOOR["path"]), Tally(page["path"])
    for _ in range(args.rounds):
        floor.add(load(port, FLOOR["path"], {}, args.threads, chunk, cap))
        tally.add(load(port, page["path"], cookies, args.threads, chunk, cap))
    floor_total.merge(floor)
    row = {"name": page["name"], **tally.summary()}
    row["floor_rps"] = round(floor.rps, 1)
    row["ratio"] = round(tally.rps / floor.rps, 3)
    return row


def count_only(port, page, cookies):
    """The SQL statements of a page, from a few sequential requests (no throughput)."""
    seen = set()
    client = Client(port, cookies)
    try:
        for _ in range(3):
            response, _ = client.request("GET", page["path"])
            if response.status != 200:
                raise BenchError(f"GET {page['path']} answered {response.status}")
            seen.add(response.headers.get("X-Query-Count"))
    finally:
        client.close()
    counts = query_counts(seen, page["path"])
    return {"name": page["name"], "path": page["path"], "queries": max(counts), "queries_seen": counts}


# --- the server ------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1, stopped on exit of the ``with`` block whatever happens."""

    def __init__(self, workdir, database_url, workers):
        self.workdir = Path(workdir)
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.log_path = self.workdir / "gunicorn.log"
        self.proc = None
        self.log_file = None

    def __enter__(self):
        instance = self.workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        for name in ("REDIS_URL", "LINLI_ENV", "UPLOAD_FOLDER", "SERVER_NAME"):
            env.pop(name, None)
        env.update({
            "LINLI_INSTANCE": str(instance), "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_hex(32), "LINLI_BENCH": "1", "LINLI_COUNT_QUERIES": "1",
            "LINLI_ENV": "production", "PYTHONUNBUFFERED": "1",
        })
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                   "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "--timeout", "60",
                   "--log-level", "warning", "wsgi:app"]
        self.log_file = open(self.log_path, "wb")  # closed by stop()
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def wait_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- one scale -------------------------------------------------------------------------------


def run_scale(scale, workdir, args, pages, counts_only=False):
    """Generate a database at ``scale``, serve it and measure (or only count queries)."""
    scale_dir = Path(workdir) / f"scale-{scale}"
    scale_dir.mkdir(parents=True, exist_ok=bool(args.reuse))
    database_url = f"sqlite:///{scale_dir / 'bench.sqlite3'}"
    summary_path = scale_dir / "generated.json"
    if args.reuse and summary_path.exists():
        log(f"== scale {scale}: reusing {database_url}")
        summary = json.loads(summary_path.read_text())
        upgrade_schema(database_url)  # migrations added since it was generated
    else:
        log(f"== scale {scale}: generating {database_url}")
        summary = generate(database_url, scale)
        summary_path.write_text(json.dumps(summary, default=str))
    rows = ", ".join(f"{table} {count}" for table, count in summary["rows"].items())
    log(f"   {rows} in {summary['seconds']:.1f} s")
    pages = resolve_paths(pages, summary.get("refs", {}))
    with Server(scale_dir, database_url, args.workers) as server:
        log(f"   gunicorn --workers {args.workers} on 127.0.0.1:{server.port}")
        cookies = login(server.port)
        if counts_only:
            floor = count_only(server.port, FLOOR, {})
            measured = [count_only(server.port, page, cookies) for page in pages]
        else:
            warm_up(server.port, FLOOR["path"], {}, args)
            floor_total = Tally(FLOOR["path"])
            measured = []
            for page in pages:
                row = measure(server.port, page, cookies, args, floor_total)
                measured.append(row)
                log(f"   {page['name']:<19} {row['rps']:8.1f} req/s, floor {row['floor_rps']:8.1f} req/s, "
                    f"ratio {row['ratio']:.3f}, {row['queries']} queries")
            floor = {"name": FLOOR["name"], **floor_total.summary()}
    return {"scale": scale, "counts_only": counts_only, "generated": summary, "floor": floor, "pages": measured}


def resolve_paths(pages, refs):
    """The pages with the "{name}" placeholders of their paths replaced by the generator's ids."""
    try:
        return [dict(page, path=page["path"].format(**refs)) for page in pages]
    except (KeyError, IndexError) as error:
        raise BenchError(f"no id for the placeholder {error} of a page path (ctx.refs of bench.generate: "
                         f"{sorted(refs)})") from error


# --- checks and report -----------------------------------------------------------------------


def check(runs, pages, strict=False):
    """The failures: ratios under their minimum, too many queries, counts that change with scale.

    A page whose ``min_ratio`` is None is only reported against ``DEFAULT_MIN_RATIO``, unless ``strict``.
    """
    failures = []
    by_name = {page["name"]: page for page in pages}
    for run in runs:
        for row in run["pages"]:
            page = by_name[row["name"]]
            minimum = page.get("min_ratio", DEFAULT_MIN_RATIO)
            row["min_ratio"] = DEFAULT_MIN_RATIO if minimum is None and strict else minimum
            row["max_queries"] = page.get("max_queries")
            problems, notes = [], []
            if not run["counts_only"]:
                if row["min_ratio"] is not None and row["ratio"] < row["min_ratio"]:
                    problems.append(f"ratio {row['ratio']:.3f} < {row['min_ratio']:.2f}")
                elif row["min_ratio"] is None and row["ratio"] < DEFAULT_MIN_RATIO:
                    notes.append(f"below the {DEFAULT_MIN_RATIO:.2f} target (not enforced)")
            if row["max_queries"] is not None and row["queries"] > row["max_queries"]:
                problems.append(f"{row['queries']} queries > {row['max_queries']}")
            if len(row["queries_seen"]) > 1:
                problems.append(f"query count varies between requests: {row['queries_seen']}")
            twin = page.get("same_queries_as")
            twin_row = next((r for r in run["pages"] if r["name"] == twin), None)
            if twin_row is not None and twin_row["queries"] != row["queries"]:
                problems.append(f"{row['queries']} queries, but {twin_row['queries']} for {twin}")
            row["problems"], row["notes"] = problems, notes
            failures += [f"scale {run['scale']}: {row['name']} ({row['path']}): {p}" for p in problems]
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


def print_report(runs, pages, failures):
    w_name = max([16] + [len(page["name"]) for page in pages])
    for run in runs:
        if run["counts_only"]:
            continue
        floor = run["floor"]
        w_path = max([16] + [len(unquote(row["path"])) for row in run["pages"]])
        log()
        log(f"scale {run['scale']} (generated in {run['generated']['seconds']:.1f} s); floor {floor['path']}: "
            f"{floor['rps']:.1f} req/s over all rounds, {floor['queries']} queries")
        header = (f"{'page':<{w_name}} {'path':<{w_path}} {'req/s':>8} {'floor req/s':>11} {'ratio':>6} {'min':>5} "
                  f"{'SQL/req':>7} {'p50 ms':>7} {'p95 ms':>7}  result")
        log(header)
        log("-" * len(header))
        for row in run["pages"]:
            minimum = "-" if row["min_ratio"] is None else f"{row['min_ratio']:.2f}"
            result = "; ".join(row["notes"]) or "ok"
            if row["problems"]:
                result = "FAIL: " + "; ".join(row["problems"] + row["notes"])
            log(f"{row['name']:<{w_name}} {unquote(row['path']):<{w_path}} {row['rps']:>8.1f} "
                f"{row['floor_rps']:>11.1f} {row['ratio']:>6.3f} {minimum:>5} {row['queries']:>7} "
                f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}  {result}")
    if len(runs) > 1:
        log()
        log("SQL queries per request by scale" + (" (the smallest scale: counted, not timed)"
                                                  if runs[0]["counts_only"] else ""))
        scales = [run["scale"] for run in runs]
        log(f"{'page':<{w_name}} " + " ".join(f"{scale:>10}" for scale in scales) + "  result")
        for name in [FLOOR["name"]] + [page["name"] for page in pages]:
            counts = [query_count(run, name) for run in runs]
            result = "ok" if len(set(counts)) == 1 else "FAIL: changes with scale"
            log(f"{name:<{w_name}} " + " ".join(f"{count:>10}" for count in counts) + f"  {result}")
    log()
    if failures:
        log(f"FAILED ({len(failures)}):")
        for failure in failures:
            log(f"  - {failure}")
    else:
        log("all targets met")


def write_json(path, runs, failures, args):
    document = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "settings": {"threads": args.threads, "workers": args.workers, "duration": args.duration,
                     "warmup": args.warmup, "rounds": args.rounds, "max_requests": args.max_requests,
                     "strict": args.strict, "database": "sqlite"},
        "runs": runs,
        "failures": failures,
        "ok": not failures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- command line ----------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, help="rows of audit log (default 100000, --quick 2000)")
    parser.add_argument("--scales", help="comma-separated scales, each fully measured, e.g. 1000,100000; "
                                         "fails when a page's SQL query count differs between them")
    parser.add_argument("--check-scale", type=int,
                        help="with a single scale: also count (not time) queries at this smaller scale "
                             "and compare (default 1000, --quick 200; 0 turns it off)")
    parser.add_argument("--quick", action="store_true", help="scale 2000 and 2 s per page")
    parser.add_argument("--duration", type=float, help="seconds of measurement per page (default 5, --quick 2)")
    parser.add_argument("--rounds", type=int, help="floor/page alternations per page (default 3, --quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per page (default 1, --quick 0.5)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="at most this many requests per page and measurement (default 100000)")
    parser.add_argument("--strict", action="store_true",
                        help=f"hold pages without a min_ratio to the {DEFAULT_MIN_RATIO} target too")
    parser.add_argument("--page", action="append", metavar="NAME_OR_PATH", help="measure only these pages")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="JSON results file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, gunicorn log)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="keep the databases in DIR and use them again in later runs instead of generating "
                             "them (for trying out a change; the page views of every run stay in their audit log)")
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


def select_pages(wanted):
    if not wanted:
        return list(PAGES)
    pages = [page for page in PAGES if page["name"] in wanted or page["path"] in wanted]
    unknown = set(wanted) - {page["name"] for page in pages} - {page["path"] for page in pages}
    if unknown:
        raise BenchError(f"unknown pages: {', '.join(sorted(unknown))}")
    return pages


def stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: gunicorn is stopped


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    workdir = str(args.reuse) if args.reuse else tempfile.mkdtemp(prefix="linli-bench-")
    runs = []
    try:
        pages = select_pages(args.page)
        if args.check_scale:
            runs.append(run_scale(args.check_scale, workdir, args, pages, counts_only=True))
        for scale in args.scale_list:
            runs.append(run_scale(scale, workdir, args, pages))
    except BenchError as error:
        log(f"\nBENCHMARK ERROR: {error}")
        return 2
    finally:
        if args.keep or args.reuse:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    failures = check(runs, pages, args.strict)
    print_report(runs, pages, failures)
    write_json(args.output, runs, failures, args)
    log(f"results written to {os.path.relpath(args.output, Path.cwd())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
