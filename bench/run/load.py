"""The client side: the login, the closed-loop load with the server's CPU read around it, and a page measured
against its floor in interleaved rounds."""

import re
import resource
import secrets
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from bench.generate import BENCH_ADMIN_PHONE, BENCH_PASSWORD
from bench.run import BenchError
from bench.run.figures import cpu_ratio, rounded, summarise
from bench.run.rawhttp import Connection, HttpError, build_request

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30  # seconds for one HTTP request


# --- HTTP ------------------------------------------------------------------------------------


def get_request(port, path, cookies=None):
    """The prebuilt bytes of GET ``path`` with the ``cookies`` ({name: value}) of a session."""
    headers = [("Cookie", cookie_header(cookies))] if cookies else []
    return build_request("GET", path, f"{HOST}:{port}", headers)


def update_cookies(jar, set_cookie_headers):
    """Apply Set-Cookie header values to ``jar`` ({name: value}): set, or delete when expired."""
    for header in set_cookie_headers:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


def csrf_token(body):
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body
    )
    if not match:
        raise BenchError("no csrf_token in the login form")
    return match.group(1).decode()


def login(port, phone=BENCH_ADMIN_PHONE):
    """Log in as ``phone`` (the bench administrator by default) like a browser: read the CSRF token, post the
    form; returns the session's cookies."""
    jar = {}
    host = f"{HOST}:{port}"

    def send(conn, raw):
        response = conn.request(raw)
        update_cookies(jar, response.header_all("set-cookie"))
        return response

    with Connection(HOST, port, REQUEST_TIMEOUT) as conn:
        response = send(conn, get_request(port, "/login"))
        if response.status != 200:
            raise BenchError(f"GET /login answered {response.status}")
        form = urlencode({"phone": phone, "password": BENCH_PASSWORD, "csrf_token": csrf_token(response.body)})
        headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie_header(jar))]
        response = send(conn, build_request("POST", "/login", host, headers, form))
        location = response.header("location", "")
        if response.status != 302 or urlsplit(location).path.startswith("/login"):
            raise BenchError(f"login as {phone} failed: {response.status} {location!r}")
        # The page the login leads to (an administrator page for the administrator) answers 200 only when the
        # session holds.
        check = "/admin/" if phone == BENCH_ADMIN_PHONE else urlsplit(location).path
        response = send(conn, get_request(port, check, jar))
        if response.status != 200:
            raise BenchError(f"after the login as {phone}, GET {check} answered {response.status}")
    return dict(jar)


# --- forms posted (rows with "form") ---------------------------------------------------------

# Where the submission key goes in a posted form's bytes: as long as the keys app.core.submissions makes
# (secrets.token_urlsafe(24)), so that each request gets a fresh one without a new Content-Length.
KEY_PLACEHOLDER = b"K" * 32


def multipart(fields, files, boundary):
    """A multipart/form-data body: ``fields`` {name: value}, ``files`` [(name, filename, content type, bytes)]."""
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + (value if isinstance(value, bytes) else str(value).encode()) + b"\r\n")
    for name, filename, content_type, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def form_requests(port, row, jar):
    """For a row that posts a form (``row["form_data"]``: (fields, files), made by the row's "form" from the
    generator's refs): the form's page is opened once with the session's cookies (``jar``, updated) for its
    CSRF token, as a browser does; returns a function that makes the bytes of one POST, each with a new
    ``submission_key`` (a new report every time, never the retry of one already saved)."""
    with Connection(HOST, port, REQUEST_TIMEOUT) as conn:
        response = conn.request(get_request(port, row["path"], jar))
        update_cookies(jar, response.header_all("set-cookie"))
    if response.status != 200:
        raise BenchError(f"GET {row['path']} (the form to post) answered {response.status}")
    fields, files = row["form_data"]
    boundary = secrets.token_hex(16)
    body = multipart(
        {**fields, "csrf_token": csrf_token(response.body), "submission_key": KEY_PLACEHOLDER}, files, boundary
    )
    headers = [
        ("Content-Type", f"multipart/form-data; boundary={boundary}"),
        ("Cookie", cookie_header(jar)),
        *row.get("headers", {}).items(),
    ]
    template = build_request("POST", row["path"], f"{HOST}:{port}", headers, body)
    return lambda: template.replace(KEY_PLACEHOLDER, secrets.token_urlsafe(24).encode(), 1)


def request_maker(port, row, cookies):
    """A function that returns the bytes of the row's next request: always the same GET, or a new POST of its
    form (``form_requests``)."""
    if row.get("form_data"):
        return form_requests(port, row, cookies)
    raw = get_request(port, row["path"], cookies)
    return lambda: raw


def open_search(port, jar, row):
    """A row with "search" ({field: value}): post that search with the list's filter form, as a browser does
    (the CSRF token read from the page), and return the row with the path it redirects to
    (``?search=<token>``); the session's cookies in ``jar`` now hold the search. Other rows as they are."""
    if not row.get("search"):
        return row
    host = f"{HOST}:{port}"
    with Connection(HOST, port, REQUEST_TIMEOUT) as conn:
        response = conn.request(get_request(port, row["path"], jar))
        update_cookies(jar, response.header_all("set-cookie"))
        if response.status != 200:
            raise BenchError(f"GET {row['path']} answered {response.status}")
        form = urlencode({**row["search"], "csrf_token": csrf_token(response.body)})
        headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie_header(jar))]
        response = conn.request(build_request("POST", row["path"], host, headers, form))
        update_cookies(jar, response.header_all("set-cookie"))
    location = response.header("location", "")
    if response.status != 302 or "search=" not in location:
        raise BenchError(f"the search of {row['name']} answered {response.status} {location!r}")
    parts = urlsplit(location)
    return dict(row, path=f"{parts.path}?{parts.query}")


def cookie_header(jar):
    return "; ".join(f"{name}={value}" for name, value in jar.items())


# --- load ------------------------------------------------------------------------------------


def client_cpu_seconds():
    """CPU seconds of this whole process (every client thread), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_client(port, make, path, per_thread, seconds, barrier, errors):
    """One client of the closed loop: sends the request ``make()`` returns again as soon as the answer is in,
    until ``seconds`` have passed, ``per_thread`` requests were sent or another client failed. Returns
    (latencies, X-Query-Counts)."""
    latencies, queries = [], set()
    with Connection(HOST, port, REQUEST_TIMEOUT) as conn:  # closed however the loop ends
        barrier.wait(timeout=30)
        deadline = time.perf_counter() + seconds
        while len(latencies) < per_thread and time.perf_counter() < deadline and not errors:
            raw = make()
            t0 = time.perf_counter()
            response = conn.request(raw)
            latencies.append(time.perf_counter() - t0)
            if response.status != 200:
                snippet = response.body[:200].decode(errors="replace")
                method = raw[: raw.index(b" ")].decode()
                raise BenchError(
                    f"{method} {path} answered {response.status} {response.header('location', '')} {snippet!r}"
                )
            queries.add(response.header("x-query-count"))
    return latencies, queries


def load(port, path, make, threads, seconds, max_requests, meter=None):
    """Closed loop: ``threads`` clients send the requests ``make()`` returns (GET ``path``, or a form posted to
    it) one after the other until ``seconds`` have passed or ``max_requests`` have been sent in all. Every
    answer must be 200. With ``meter`` (a CpuMeter), the server's CPU is read just before the clients start and
    once they have all finished.

    Returns {"requests", "seconds", "latencies", "queries" (set of X-Query-Count seen), "cpu_ticks"
    ({"app", "db"}), "client_cpu_s"}.
    """
    per_thread = max(1, max_requests // threads)
    barrier = threading.Barrier(threads + 1)
    results, errors = [None] * threads, []

    def worker(index):
        try:
            latencies, queries = run_client(port, make, path, per_thread, seconds, barrier, errors)
            results[index] = (latencies, queries, time.perf_counter())
        except Exception as error:  # noqa: BLE001 - the main thread fails the run with it
            errors.append(error)
            barrier.abort()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    before = meter.take() if meter else None
    cpu_before = client_cpu_seconds()
    try:
        barrier.wait(timeout=30)
    except threading.BrokenBarrierError:
        pass
    started = time.perf_counter()
    for thread in pool:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    client_cpu = client_cpu_seconds() - cpu_before
    spent = meter.spent(before, meter.take()) if meter else {"app": 0, "db": 0}
    if errors:
        error = errors[0]
        message = f"GET {path}: {error}" if isinstance(error, OSError | HttpError) else str(error)
        raise BenchError(message) from error
    if any(thread.is_alive() for thread in pool) or None in results:
        raise BenchError(f"GET {path}: a client did not finish in time")
    latencies = [value for lat, _, _ in results for value in lat]
    return {
        "requests": len(latencies),
        "seconds": max(end for _, _, end in results) - started,
        "latencies": latencies,
        "queries": set().union(*(q for _, q, _ in results)),
        "cpu_ticks": spent,
        "client_cpu_s": client_cpu,
    }


def query_counts(seen, path):
    if None in seen:
        raise BenchError(f"GET {path}: no X-Query-Count header (is LINLI_COUNT_QUERIES set?)")
    return sorted(int(value) for value in seen)


# --- a page against its floor ----------------------------------------------------------------


class Session:
    """What measuring needs: the port, the sessions (``Users``), the options, the CPU meter, and the loads of
    every floor so far (for the floor rows of the report)."""

    def __init__(self, users, args, meter):
        self.port = users.port
        self.users = users
        self.args = args
        self.meter = meter
        self.floor_loads = {}  # floor name -> its loads (as the floor of a row)
        self.makers = {}  # row name -> the function making its requests

    def load(self, row, seconds, cap=None):
        args = self.args
        cap = cap or args.max_requests
        # by name: two rows may share a path (the floors) and differ in who requests it
        if row["name"] not in self.makers:
            self.makers[row["name"]] = request_maker(self.port, row, self.users.cookies_for(row))
        return load(self.port, row["path"], self.makers[row["name"]], args.threads, seconds, cap, self.meter)

    def warm_up(self, row):
        if self.args.warmup > 0:
            self.load(row, self.args.warmup)


def measure(session, page, floor):
    """Warm the page (and a floor not used before) up, then alternate floor and page loads in
    ``args.rounds`` rounds, so that both see the same background load on the machine. Returns the row of
    the results table: the page's figures, its floor's, and the ratio of their CPU ms per request."""
    args = session.args
    if floor["name"] not in session.floor_loads:
        session.warm_up(floor)
        session.floor_loads[floor["name"]] = []
    session.warm_up(page)
    chunk = args.duration / args.rounds
    cap = max(args.threads, args.max_requests // args.rounds)
    floor_loads, page_loads = [], []
    for _ in range(args.rounds):
        floor_loads.append(session.load(floor, chunk, cap))
        page_loads.append(session.load(page, chunk, cap))
    session.floor_loads[floor["name"]] += floor_loads
    row = row_figures(page, page_loads)
    floor_figures = summarise(floor_loads)
    ratio = cpu_ratio(floor_figures["rounds"], row["rounds"])
    row.update(
        floor=floor["name"],
        floor_path=floor["path"],
        floor_cpu_ms=floor_figures["cpu_ms"],
        floor_rps=floor_figures["rps"],
        ratio=rounded(ratio),
        floor_rounds=floor_figures["rounds"],
        floor_queries=max(query_counts(set().union(*(load["queries"] for load in floor_loads)), floor["path"])),
    )
    return row


def row_figures(row, loads):
    if not sum(load["requests"] for load in loads):
        raise BenchError(f"GET {row['path']}: no request completed (is --duration too short?)")
    counts = query_counts(set().union(*(load["queries"] for load in loads)), row["path"])
    return {
        "name": row["name"],
        "path": row["path"],
        **summarise(loads),
        "queries": max(counts),
        "queries_seen": counts,
    }


def floor_row(session, floor):
    """The row of a floor: the figures of every load it had as the floor of a row (None when no row used it)."""
    loads = session.floor_loads.get(floor["name"])
    return row_figures(floor, loads) if loads else None


class Users:
    """The sessions rows are requested with on the server at ``port``: none (anonymous rows), the session of a
    row's user ("login", a phone number; logged in at the first row that needs it), or the bench administrator's
    (logged in at once)."""

    def __init__(self, port):
        self.port = port
        self.admin = login(port)
        self.sessions = {}

    def cookies_for(self, row):
        if row.get("anonymous"):
            return {}
        if not row.get("login"):
            return self.admin
        if row["login"] not in self.sessions:
            self.sessions[row["login"]] = login(self.port, row["login"])
        return self.sessions[row["login"]]


def count_only(users, row):
    """The SQL statements of a page, from a few sequential requests (no throughput)."""
    seen = set()
    port = users.port
    make = request_maker(port, row, users.cookies_for(row))
    with Connection(HOST, port, REQUEST_TIMEOUT) as conn:
        for _ in range(3):
            response = conn.request(make())
            if response.status != 200:
                raise BenchError(f"GET {row['path']} answered {response.status}")
            seen.add(response.header("x-query-count"))
    counts = query_counts(seen, row["path"])
    return {"name": row["name"], "path": row["path"], "queries": max(counts), "queries_seen": counts}
