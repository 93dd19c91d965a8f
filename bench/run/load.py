"""The client side: HTTP clients with their cookies, the login, the closed-loop load, and a page measured
against the floor in interleaved rounds."""

import http.client
import re
import statistics
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from bench.generate import BENCH_ADMIN_PHONE, BENCH_PASSWORD
from bench.run import BenchError
from bench.run.pages import FLOOR

REQUEST_TIMEOUT = 30  # seconds for one HTTP request


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
            rb'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not match:
            raise BenchError("no csrf_token in the login form")
        form = urlencode(
            {"phone": BENCH_ADMIN_PHONE, "password": BENCH_PASSWORD, "csrf_token": match.group(1).decode()}
        )
        response, body = client.request(
            "POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
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
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "queries": queries,
        "latencies": latencies,
    }


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
        self.add(
            {
                "requests": other.requests,
                "seconds": other.seconds,
                "latencies": other.latencies,
                "queries": other.queries,
            }
        )

    @property
    def rps(self):
        return self.requests / self.seconds

    def summary(self):
        if not self.requests:
            raise BenchError(f"GET {self.path}: no request completed (is --duration too short?)")
        counts = query_counts(self.queries, self.path)
        latencies = sorted(self.latencies)
        return {
            "path": self.path,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
            "queries": max(counts),
            "queries_seen": counts,
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
