"""Lighthouse (mobile) audits of the pages people use on a phone: ``make audit``.

    python -m bench.audit                      # every page of PAGES (one run each; two more under 95)
    python -m bench.audit --runs 3             # three runs per page, the run of median performance counts
    python -m bench.audit --page "case list"   # some pages only (by name, or by path)
    python -m bench.audit --path /login --path /grid/orders/1@handler   # any path, as a demo role
    python -m bench.audit --screen 360x740 --language en   # another phone size, another language
    python -m bench.audit --keep               # keep the work folder (database, gunicorn log, reports)

One run: a fresh SQLite database in a temporary folder, migrated and loaded with the demo data
(``flask demo-data``); gunicorn serving it on 127.0.0.1 (a free port); for each page, a login as the demo user
the page is for (the login form, as a browser posts it); Lighthouse in its default mobile mode (a phone screen,
simulated slow 4G and a 4x slower CPU) in headless Chromium, sent the session cookie in an extra ``Cookie``
header. A page passes when its accessibility score is 100 and its performance score at least 95 (a page under
95 is measured twice more, and the run of median performance counts); the scores are printed as a table, then
every audit that cost a failing page points (with the elements concerned). docs/audit.md tells more.

Exit status: 0 when every page passes, 1 when a page is under a threshold, 2 when the audit could not run
(Lighthouse or Chromium missing, gunicorn did not start, a login failed, a page answered an error). A page
that does not exist yet (404) is skipped with a note.

Pages are listed in ``PAGES``, one line each: a name, a path, the demo user it is seen as (a role, or None for
a page anybody may open). A path of the form ``"/list/ -> /item/<n>"`` is the first link to ``/item/<number>``
found on ``/list/`` as that user (e.g. the first case of the case list).
"""

import argparse
import http.cookiejar
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
LIGHTHOUSE_TIMEOUT = 240  # seconds for one Lighthouse run
RESULTS = ROOT / "bench" / "results"

# What a page must score (0-100).
THRESHOLDS = {"accessibility": 100, "performance": 95}
CATEGORIES = tuple(THRESHOLDS)
# Lighthouse's benchmark index of the machine under which it warns that the CPU seems slow.
QUIET_BENCHMARK_INDEX = 1000
# The metrics shown beside the scores: Lighthouse audit id -> column title.
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    user: str | None  # a role of a demo user (app.core.demo.USERS), None: anonymous
    issue: int | None = None


# The pages audited, one line each. ``user``: the demo user with that role, first in app.core.demo.USERS.
PAGES = (
    Page("grid report", "/grid/report", "grid_worker", issue=10),
    Page("grid home", "/grid/", "grid_worker", issue=10),
    Page("grid my reports", "/grid/orders?list=mine", "grid_worker", issue=10),
    Page("grid open orders", "/grid/orders?list=grid", "grid_worker", issue=10),
    Page("case list", "/mediation/", "mediator", issue=12),
    Page("case page", "/mediation/ -> /mediation/cases/<n>", "mediator", issue=12),
    Page("volunteer sign-up", "/volunteers/join", None, issue=11),
    Page("event list", "/volunteers/events", "volunteer", issue=11),
)


class AuditError(Exception):
    """Something that stops the run: no Lighthouse, no Chromium, gunicorn did not start, a login failed."""


class PageError(Exception):
    """A page that could not be audited (it answered 500, Lighthouse failed on it): the others go on."""


def log(message=""):
    print(message, flush=True)


# --- the pages -------------------------------------------------------------------------------


def select_pages(pages, wanted):
    """The pages named in ``wanted`` (by name or path, case-insensitive), in the order of ``pages``; all of
    them when ``wanted`` is empty. An unknown name is an error that lists the known ones."""
    if not wanted:
        return list(pages)
    keys = {item.strip().lower() for item in wanted}
    known = {page.name.lower() for page in pages} | {page.path.lower() for page in pages}
    unknown = sorted(keys - known)
    if unknown:
        names = ", ".join(page.name for page in pages)
        raise AuditError(f"unknown page {', '.join(unknown)}: the pages are {names}")
    return [page for page in pages if page.name.lower() in keys or page.path.lower() in keys]


def split_path(path):
    """``"/list/ -> /item/<n>"`` -> ("/list/", pattern of the link to find); a plain path -> (path, None)."""
    if "->" not in path:
        return path, None
    source, link = (part.strip() for part in path.split("->", 1))
    pattern = re.escape(link).replace(re.escape("<n>"), r"\d+")
    return source, re.compile(rf'href="({pattern})"')


def first_link(html, pattern):
    """The first link of ``html`` matching ``pattern`` (from ``split_path``), or None."""
    match = pattern.search(html)
    return match.group(1) if match else None


def demo_logins():
    """Role name -> (phone, password) of the first demo user with that role (app.core.demo)."""
    from app.core.demo import DEMO_PASSWORD, USERS

    logins = {}
    for phone, _name, roles, *_rest in USERS:
        for role in roles:
            logins.setdefault(role.value, (phone, DEMO_PASSWORD))
    return logins


# --- reading a Lighthouse report ---------------------------------------------------------------


def category_score(report, category):
    """A category's score as Lighthouse shows it (0-100), or None when Lighthouse could not score it."""
    score = report.get("categories", {}).get(category, {}).get("score")
    return None if score is None else math.floor(score * 100 + 0.5)  # JavaScript's Math.round, as the report


def scores(report):
    return {category: category_score(report, category) for category in CATEGORIES}


def metrics(report):
    """The metrics of ``METRICS`` as Lighthouse displays them (e.g. "1.2 s"), by column title, and "CPU":
    Lighthouse's benchmark index of the machine during the run (it warns under about 1000: a busy or slow
    machine, whose performance scores come out lower)."""
    audits = report.get("audits", {})
    found = {title: audits.get(audit_id, {}).get("displayValue", "") for audit_id, title in METRICS.items()}
    index = (report.get("environment") or {}).get("benchmarkIndex")
    found["CPU"] = "" if index is None else str(round(index))
    return found


def failures(page_scores, thresholds=THRESHOLDS):
    """The categories under their threshold: {category: (score, threshold)}; a missing score fails."""
    return {
        category: (score, thresholds[category])
        for category, score in page_scores.items()
        if score is None or score < thresholds[category]
    }


def element_of(item):
    """What an item of an audit's details points at, in one line: a node's selector and snippet, a URL."""
    node = item.get("node") if isinstance(item.get("node"), dict) else item if item.get("type") == "node" else None
    if node:
        selector = node.get("selector", "")
        snippet = " ".join(node.get("snippet", "").split())
        return f"{selector} {snippet}".strip()
    if item.get("url"):
        return item["url"]
    return ""


def elements(audit, limit=8):
    """The elements an audit names (at most ``limit``), from its details' items."""
    items = (audit.get("details") or {}).get("items") or []
    found = [text for text in (element_of(item) for item in items if isinstance(item, dict)) if text]
    return found[:limit], max(0, len(found) - limit)


def failing_audits(report, category):
    """The audits that cost ``category`` points: those with a weight in it and a score under 1 (not the
    manual, informative or not-applicable ones). For performance, also the diagnostics and opportunities
    Lighthouse flags (score under 0.9) although they carry no weight: they say why a metric is slow. Each:
    (id, title, score, display, elements, more)."""
    audits = report.get("audits", {})
    found = []
    for ref in report.get("categories", {}).get(category, {}).get("auditRefs", []):
        audit = audits.get(ref.get("id"), {})
        score = audit.get("score")
        if score is None or audit.get("scoreDisplayMode") in {"manual", "informative", "notApplicable", "error"}:
            continue
        limit = 1 if ref.get("weight", 0) > 0 else 0.9 if category == "performance" else 0
        if score < limit:
            shown, more = elements(audit)
            found.append((ref["id"], audit.get("title", ""), score, audit.get("displayValue", ""), shown, more))
    return found


def median_report(reports):
    """Of several runs of one page, the run of median performance (Lighthouse's advice for variance); the
    first one when there is no performance score."""
    if len(reports) == 1:
        return reports[0]
    scored = [report for report in reports if category_score(report, "performance") is not None]
    if not scored:
        return reports[0]
    median = statistics.median_low([category_score(report, "performance") for report in scored])
    return next(report for report in scored if category_score(report, "performance") == median)


# --- the table -------------------------------------------------------------------------------


def result_row(page, path, report=None, note="", error=False):
    """One page's result: its ``result`` ("ok", "fail"; "skipped" or "error" without a report, with a note),
    scores, metrics, what failed."""
    if report is None:
        result = "error" if error else "skipped"
        return {"name": page.name, "path": path, "user": page.user, "result": result, "note": note}
    page_scores = scores(report)
    failed = failures(page_scores)
    return {
        "name": page.name,
        "path": path,
        "user": page.user,
        "result": "fail" if failed else "ok",
        "scores": page_scores,
        "metrics": metrics(report),
        "failed": {category: list(values) for category, values in failed.items()},
        "audits": {
            category: [
                {"id": audit_id, "title": title, "score": score, "display": display, "elements": shown, "more": more}
                for audit_id, title, score, display, shown, more in failing_audits(report, category)
            ]
            for category in CATEGORIES
        },
        "runtime_error": (report.get("runtimeError") or {}).get("message", ""),
        "note": note,
    }


def format_table(rows):
    """The scores of every page as a text table; the notes of pages skipped or in error below it."""
    columns = ["page", "path", "user", "a11y", "perf", *METRICS.values(), "CPU", "result"]
    lines = []
    for row in rows:
        result = row["result"].upper() if row["result"] in {"fail", "error"} else row["result"]
        if "scores" not in row:
            cells = [row["name"], row["path"], row["user"] or "-", "-", "-", *["" for _ in METRICS], "", result]
        else:
            shown = {c: "?" if row["scores"][c] is None else str(row["scores"][c]) for c in CATEGORIES}
            cells = [
                row["name"],
                row["path"],
                row["user"] or "-",
                shown["accessibility"],
                shown["performance"],
                *[row["metrics"][title] for title in [*METRICS.values(), "CPU"]],
                result,
            ]
        lines.append(cells)
    widths = [max(len(str(cells[i])) for cells in [columns, *lines]) for i in range(len(columns))]
    text = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in [columns, *lines]
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"  {row['name']}: {row['note']}" for row in rows if row["note"]]
    return "\n".join(text + (["", "Notes:", *notes] if notes else []))


def busy(row):
    """Whether Lighthouse found the machine slow during the page's counted run (its performance is then
    lower than on a quiet machine: Lighthouse warns under about 1000)."""
    index = row.get("metrics", {}).get("CPU", "")
    return index.isdigit() and int(index) < QUIET_BENCHMARK_INDEX


def format_failures(rows):
    """For every failing page, the categories under threshold and the audits that cost them points."""
    out = []
    for row in rows:
        if row["result"] != "fail":
            continue
        out.append(f"\n{row['name']} ({row['path']}, as {row['user'] or 'anonymous'}):")
        if row["runtime_error"]:
            out.append(f"  Lighthouse: {row['runtime_error']}")
        for category, (score, threshold) in row["failed"].items():
            out.append(f"  {category} {'?' if score is None else score} < {threshold}")
            if category == "performance" and busy(row):
                out.append(
                    f"    (the machine was busy: benchmark index {row['metrics']['CPU']} < {QUIET_BENCHMARK_INDEX};"
                    " measure again on a quiet machine before looking for a cause in the page)"
                )
            for audit in row["audits"][category]:
                display = f" ({audit['display']})" if audit["display"] else ""
                out.append(f"    - {audit['id']}: {audit['title']}{display}, score {audit['score']:.2f}")
                out.extend(f"        {element}" for element in audit["elements"])
                if audit["more"]:
                    out.append(f"        ... and {audit['more']} more")
    return "\n".join(out)


def summary(rows):
    counts = {result: sum(row["result"] == result for row in rows) for result in ("fail", "error", "skipped")}
    wanted = ", ".join(f"{category} >= {value}" for category, value in THRESHOLDS.items())
    text = f"{counts['fail']} of {len(rows)} page(s) under the thresholds ({wanted})"
    if counts["error"]:
        text += f", {counts['error']} could not be audited"
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped"
    return text


def exit_status(rows):
    """2 when a page could not be audited, else 1 when a page is under a threshold, else 0."""
    results = {row["result"] for row in rows}
    return 2 if "error" in results else 1 if "fail" in results else 0


# --- the server ------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(workdir):
    """The environment of the demo database's commands and gunicorn: everything in ``workdir``."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "LINLI_BENCH", "LINLI_COUNT_QUERIES", "UPLOAD_FOLDER", "STORAGE_URL", "SERVER_NAME"):
        env.pop(name, None)
    instance = Path(workdir) / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "LINLI_INSTANCE": str(instance),
            "DATABASE_URL": f"sqlite:///{Path(workdir) / 'audit.sqlite3'}",
            "SECRET_KEY": secrets.token_hex(32),
            "LINLI_ENV": "production",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def load_demo_data(env, workdir):
    for command in (["db", "upgrade"], ["demo-data"]):
        with open(Path(workdir) / "setup.log", "ab") as out:
            done = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "wsgi", *command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode:
            tail = (Path(workdir) / "setup.log").read_text(errors="replace").splitlines()[-20:]
            raise AuditError(f"flask {' '.join(command)} failed:\n" + "\n".join(tail))


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1, stopped when the ``with`` block ends, whatever happens."""

    def __init__(self, workdir, env, workers=2):
        self.workdir = Path(workdir)
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.proc = None
        self.log_file = None

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def __enter__(self):
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"]
        command += ["--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"]
        self.log_file = open(self.workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT)
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
                raise AuditError(f"gunicorn exited with {self.proc.returncode}: see {self.workdir / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AuditError(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT} s")

    def last_error(self):
        """The last line of gunicorn's log naming an exception (what a 500 was), or ""."""
        try:
            lines = (self.workdir / "gunicorn.log").read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return next((line.strip() for line in reversed(lines) if re.match(r"^\w[\w.]*(Error|Exception)\b", line)), "")

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


# --- logging in, as a browser does --------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and the pages it fetched, without following redirects (so a login page is noticed)."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")

    def login(self, phone, password):
        status, _location, html = self.request("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if status != 200 or not token:
            raise AuditError(f"GET /login answered {status} without a CSRF token")
        status, location, _html = self.request(
            "/login", {"phone": phone, "password": password, "csrf_token": token.group(1), "next": ""}
        )
        if status != 302 or urllib.parse.urlsplit(location).path.startswith("/login"):
            raise AuditError(f"login as {phone} failed: {status} {location!r}")

    def cookie_header(self):
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


def open_page(server, page, logins):
    """Log in as the page's user and find its path. Returns (path, cookie header, ""), or (path, None, note)
    when the page does not exist yet; raises PageError when it answers neither 200 nor 404."""
    browser = Browser(server.base_url)
    if page.user:
        if page.user not in logins:
            raise AuditError(f"{page.name}: no demo user has the role {page.user!r}")
        browser.login(*logins[page.user])
    path, pattern = split_path(page.path)
    status, location, html = browser.request(path)
    if status == 200 and pattern is not None:
        link = first_link(html, pattern)
        if link is None:
            raise PageError(f"no link like {page.path.split('->')[1].strip()} on {path}")
        path = link
        status, location, html = browser.request(path)
    if status == 404:
        return path, None, "does not exist yet (404): skipped"
    if status != 200:
        error = server.last_error() if status >= 500 else ""
        raise PageError(f"GET {path} answered {status} {location}{': ' + error if error else ''}".strip())
    return path, browser.cookie_header(), ""


# --- Lighthouse ------------------------------------------------------------------------------


def lighthouse_command(url, output, headers_file, screen=None):
    """The Lighthouse command line: mobile (its default phone, or ``screen`` = (width, height) in CSS px)."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--extra-headers={headers_file}",
    ]
    if screen:
        width, height = screen
        command += [f"--screenEmulation.width={width}", f"--screenEmulation.height={height}"]
        command += ["--screenEmulation.deviceScaleFactor=2", "--screenEmulation.mobile"]
    return command


def request_headers(cookie, language):
    """The headers Lighthouse adds to every request of the page: the session, the reader's language."""
    headers = {"Accept-Language": language} if language else {}
    if cookie:
        headers["Cookie"] = cookie
    return headers


def run_lighthouse(url, headers, workdir, slug, run, screen=None):
    """One Lighthouse run of ``url`` sent ``headers``; returns its report (a dict)."""
    headers_file = Path(workdir) / "headers.json"  # not on the command line: it holds the session
    headers_file.touch(mode=0o600)
    headers_file.write_text(json.dumps(headers))
    output = Path(workdir) / f"{slug}.{run}.report.json"
    try:
        done = subprocess.run(
            lighthouse_command(url, output, headers_file, screen),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=LIGHTHOUSE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise PageError(f"Lighthouse did not finish {url} in {LIGHTHOUSE_TIMEOUT} s") from error
    if done.returncode or not output.exists():
        raise PageError(f"Lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(output.read_text())


def slug_of(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def audit_page(server, page, logins, workdir, args):
    try:
        path, cookie, note = open_page(server, page, logins)
        if note:
            log(f"   {page.name}: {note}")
            return result_row(page, path, note=note)
        url, headers, slug = server.base_url + path, request_headers(cookie, args.language), slug_of(page.name)
        reports = [run_lighthouse(url, headers, workdir, slug, n, args.screen) for n in range(args.runs)]
        # performance moves with what else the machine does: a page under its threshold is measured again
        while len(reports) < args.runs + args.confirm and failures(scores(median_report(reports))):
            reports.append(run_lighthouse(url, headers, workdir, slug, len(reports), args.screen))
    except PageError as error:
        log(f"   {page.name}: ERROR {error}")
        return result_row(page, page.path, note=str(error), error=True)
    row = result_row(page, path, median_report(reports))
    if len(reports) > 1:
        performances = ", ".join(str(category_score(report, "performance")) for report in reports)
        row["note"] = f"performance of {len(reports)} runs: {performances} (the median counts)"
    log(
        f"   {page.name:<20} accessibility {row['scores']['accessibility']}, "
        f"performance {row['scores']['performance']}{'' if row['result'] == 'ok' else '  FAIL'}"
    )
    return row


def check_tools():
    if not LIGHTHOUSE.exists():
        raise AuditError(f"{LIGHTHOUSE} is missing: run `npm ci` (or `make audit`, which does)")
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise AuditError(f"Chromium is missing at {CHROMIUM} (Debian package 'chromium'; or set CHROMIUM_PATH)")


def extra_page(value):
    """``--path /grid/orders/1@handler`` -> a Page seen as the demo handler."""
    path, _at, role = value.partition("@")
    if not path.startswith("/"):
        raise argparse.ArgumentTypeError(f"{value!r}: a path starts with /")
    return Page(value, path, role or None)


def screen_size(value):
    match = re.fullmatch(r"(\d{3,4})x(\d{3,4})", value.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r}: WIDTHxHEIGHT in CSS pixels, e.g. 360x740")
    return int(match.group(1)), int(match.group(2))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", default=[], help="a page of PAGES by name or path (repeatable)")
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        type=extra_page,
        metavar="PATH[@ROLE]",
        help="audit this path as the demo user with ROLE (anonymous without ROLE); repeatable",
    )
    parser.add_argument(
        "--language", default="zh-CN", help="the browser's Accept-Language (default zh-CN; '' for none)"
    )
    parser.add_argument(
        "--screen",
        type=screen_size,
        metavar="WIDTHxHEIGHT",
        help="a phone screen of this size (e.g. 360x740) instead of Lighthouse's mobile default (412x823)",
    )
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page; the median counts")
    parser.add_argument(
        "--confirm",
        type=int,
        default=2,
        help="runs added to a page under the performance threshold before it fails (default 2: median of 3)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, logs, reports)")
    parser.add_argument("--json", type=Path, default=RESULTS / "audit.json", help="where to write the results")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.confirm < 0:
        parser.error("--runs must be at least 1, --confirm at least 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        # --path alone audits those paths only; with --page, those pages and the paths
        pages = select_pages(PAGES, args.page) if args.page or not args.path else []
        pages += args.path
        check_tools()
        logins = demo_logins()
    except AuditError as error:
        log(f"audit: {error}")
        return 2
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="linli-audit-"))
    rows = []
    try:
        env = server_env(workdir)
        log(f"== demo data in {workdir}")
        load_demo_data(env, workdir)
        log(f"   loaded in {time.monotonic() - started:.0f} s")
        with Server(workdir, env, args.workers) as server:
            screen = "x".join(map(str, args.screen)) if args.screen else "412x823"
            log(f"== Lighthouse (mobile, {screen}, {args.language or 'no language'}) on {server.base_url}")
            for page in pages:
                rows.append(audit_page(server, page, logins, workdir, args))
    except AuditError as error:
        log(f"audit: {error}")
        return 2
    except KeyboardInterrupt:
        log("audit: interrupted")
        return 2
    finally:
        if args.keep:
            log(f"   work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log("")
    log(format_table(rows))
    log(format_failures(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"thresholds": THRESHOLDS, "pages": rows}, ensure_ascii=False, indent=1))
    log("\n" + summary(rows) + f" in {time.monotonic() - started:.0f} s; results in {args.json}")
    return exit_status(rows)


if __name__ == "__main__":
    sys.exit(main())
