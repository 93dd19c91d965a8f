"""The benchmark's own logic (bench.run), without gunicorn or a generated database: CPU time read from /proc
stat lines, the EXPLAIN plan walker, the per-request figures and the ratio, the raw HTTP client against a tiny
local server, the page rows' floors."""

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine
from werkzeug.formparser import parse_form_data

from app.core.submissions import KEY_PATTERN
from bench.run import pages as bench_pages
from bench.run.cpu import CLOCK_TICKS, CpuMeter, children, parse_stat, snapshot, ticks_between
from bench.run.figures import cpu_ratio, load_figures, percentile, summarise
from bench.run.load import Session, form_requests, update_cookies
from bench.run.plans import (
    explain_all,
    plan_problems,
    seq_scans,
    set_aside_small_tables,
    shorten,
    sqlite_scans,
    top_node,
)
from bench.run.rawhttp import Connection, HttpError, build_request, parse_head

# --- CPU from /proc/<pid>/stat ---------------------------------------------------------------


def stat_line(pid, comm, ppid, utime, stime, starttime=1000):
    # fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
    # cstime priority nice threads itrealvalue starttime, then a few more
    rest = ["S", ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0, utime, stime, 7, 8, 20, 0, 1, 0, starttime, 1, 2]
    return f"{pid} ({comm}) " + " ".join(str(field) for field in rest) + "\n"


def test_parse_stat_reads_utime_stime_ppid_and_start_time():
    stat = parse_stat(stat_line(4321, "gunicorn", 4000, 250, 30, starttime=98765))
    assert (stat.pid, stat.ppid, stat.utime, stat.stime, stat.starttime) == (4321, 4000, 250, 30, 98765)
    assert stat.ticks == 280


def test_parse_stat_counts_fields_after_the_last_parenthesis_of_the_command_name():
    stat = parse_stat(stat_line(7, "odd) name (with ) spaces", 1, 11, 22))
    assert (stat.pid, stat.ppid, stat.utime, stat.stime) == (7, 1, 11, 22)


def test_parse_stat_of_this_process():
    with open("/proc/self/stat") as file:
        stat = parse_stat(file.read())
    assert stat.utime >= 0 and stat.stime >= 0 and stat.ppid > 0


def test_parse_stat_refuses_a_line_without_a_command_name():
    with pytest.raises(ValueError):
        parse_stat("12 S 1 2 3")


def fake_proc(tmp_path, processes, children_file=None):
    """A /proc-like folder: {pid: (ppid, utime, stime, starttime)}."""
    for pid, (ppid, utime, stime, start) in processes.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(stat_line(pid, "python", ppid, utime, stime, start))
    if children_file is not None:
        master, kids = children_file
        task = tmp_path / str(master) / "task" / str(master)
        task.mkdir(parents=True)
        task.joinpath("children").write_text(" ".join(str(kid) for kid in kids) + " ")
    (tmp_path / "self").mkdir()  # not a pid: skipped
    return tmp_path


def test_children_found_by_parent_pid_without_the_children_file(tmp_path):
    proc = fake_proc(tmp_path, {100: (1, 5, 5, 1), 101: (100, 50, 10, 2), 102: (100, 60, 20, 3), 200: (1, 9, 9, 4)})
    assert sorted(children(100, proc)) == [101, 102]


def test_children_read_from_the_kernels_children_file(tmp_path):
    proc = fake_proc(tmp_path, {100: (1, 5, 5, 1), 101: (100, 50, 10, 2)}, children_file=(100, [101]))
    assert children(100, proc) == [101]


def test_ticks_between_counts_new_processes_whole_and_tells_reused_pids_apart():
    before = {(101, 2): 60, (102, 3): 80, (103, 4): 10}
    after = {
        (101, 2): 100,  # +40
        (102, 3): 95,  # +15
        (104, 9): 7,  # started during the load: all of it
        (103, 50): 5,  # pid 103 reused by another process: counted from its start, not against the old one
    }  # (the old 103 ended during the load: its last ticks are lost)
    assert ticks_between(before, after) == 40 + 15 + 7 + 5


def test_cpu_meter_sums_the_workers_of_the_master(tmp_path):
    proc = fake_proc(tmp_path, {100: (1, 5, 5, 1), 101: (100, 50, 10, 2), 102: (100, 60, 20, 3)})
    meter = CpuMeter(100, proc=proc)
    before = meter.take()
    (proc / "101" / "stat").write_text(stat_line(101, "python", 100, 80, 20, 2))  # +40
    assert CpuMeter.spent(before, meter.take()) == {"app": 40, "db": 0}
    assert snapshot([999], proc) == {}  # a process gone is skipped


# --- the plan walker -------------------------------------------------------------------------

GROWING = {"mediation_cases", "mediation_parties", "audit_entries"}

NESTED_PLAN = [
    {
        "Plan": {
            "Node Type": "Limit",
            "Plans": [
                {
                    "Node Type": "Nested Loop",
                    "Plans": [
                        {"Node Type": "Index Scan", "Relation Name": "mediation_cases", "Index Name": "ix_cases"},
                        {
                            "Node Type": "Hash",
                            "Plans": [{"Node Type": "Seq Scan", "Relation Name": "mediation_parties"}],
                        },
                        {"Node Type": "Seq Scan", "Relation Name": "org_units"},  # not a growing table
                    ],
                }
            ],
        }
    }
]


def test_seq_scans_finds_growing_tables_deep_in_the_tree():
    assert seq_scans(NESTED_PLAN, GROWING) == ["mediation_parties"]
    assert top_node(NESTED_PLAN) == "Limit"


def test_seq_scans_accepts_json_text_and_a_bare_plan():
    text = json.dumps(NESTED_PLAN)
    assert seq_scans(text, GROWING) == ["mediation_parties"]
    assert seq_scans(NESTED_PLAN[0], GROWING) == ["mediation_parties"]
    assert seq_scans(NESTED_PLAN[0]["Plan"], GROWING) == ["mediation_parties"]


def test_seq_scans_counts_parallel_scans_and_ignores_index_and_bitmap_scans():
    plan = {
        "Plan": {
            "Node Type": "Gather",
            "Plans": [
                {"Node Type": "Seq Scan", "Parallel Aware": True, "Relation Name": "audit_entries"},
                {"Node Type": "Bitmap Heap Scan", "Relation Name": "mediation_cases"},
                {"Node Type": "Index Only Scan", "Relation Name": "mediation_parties"},
            ],
        }
    }
    assert seq_scans([plan], GROWING) == ["audit_entries"]
    assert seq_scans([{"Plan": {"Node Type": "Seq Scan", "Relation Name": "users"}}], GROWING) == []
    assert top_node([{"Plan": {"Node Type": "Seq Scan", "Relation Name": "users"}}]) == "Seq Scan on users"


def test_sqlite_scans_resolves_aliases_and_skips_index_scans():
    sql = (
        "SELECT * FROM mediation_cases AS mediation_cases_1 "
        "JOIN mediation_parties AS p ON p.case_id = mediation_cases_1.id"
    )
    details = [
        "SCAN mediation_cases_1",
        "SEARCH p USING INDEX ix_parties_case (case_id=?)",
        "SCAN audit_entries USING COVERING INDEX ix_audit_created",
        "SCAN org_units",
        "SCAN CONSTANT ROW",
    ]
    assert sqlite_scans(details, sql, GROWING) == ["mediation_cases"]


def test_explain_all_on_sqlite_skips_other_statements_and_notes_scans():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE audit_entries (id INTEGER PRIMARY KEY, action TEXT, actor_id INT)")
        connection.exec_driver_sql("CREATE INDEX ix_audit_actor ON audit_entries (actor_id)")
        statements = [
            ("SELECT id FROM audit_entries WHERE action = ?", ("user.login",)),
            ("SAVEPOINT sa_1", ()),
            ("SELECT id FROM audit_entries AS a WHERE a.actor_id = ?", (3,)),
            ("INSERT INTO audit_entries (action, actor_id) VALUES (?, ?)", ("x", 1)),
            ("SELECT nothing FROM nowhere", ()),
        ]
        explained = explain_all(connection, statements, GROWING)
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_entries").scalar() == 0  # nothing written
    assert [entry["n"] for entry in explained] == [1, 3, 4, 5]
    assert explained[0]["scans"] == ["audit_entries"]
    assert explained[1]["scans"] == [] and explained[1]["top"].startswith("SEARCH a USING")
    assert "error" in explained[3]
    problems, notes = plan_problems(explained)
    assert problems == []
    assert notes[0] == "SQLite scans audit_entries in statement 1"
    assert notes[1].startswith("statement 5 not explained")


def test_plan_problems_fail_a_postgresql_sequential_scan():
    explained = [
        {"n": 2, "sql": "SELECT 1", "top": "Result", "seq_scans": []},
        {"n": 4, "sql": "SELECT * FROM mediation_parties WHERE name LIKE %(q)s", "seq_scans": ["mediation_parties"]},
    ]
    problems, notes = plan_problems(explained)
    assert problems == [
        "seq scan of mediation_parties in statement 4: SELECT * FROM mediation_parties WHERE name LIKE %(q)s"
    ]
    assert notes == []


def test_scans_of_tables_too_small_to_judge_are_only_noted_when_an_index_could_replace_them():
    explained = [
        {"n": 1, "sql": "SELECT … users", "seq_scans": ["users", "mediation_parties"], "no_index": []},
        {"n": 2, "sql": "SELECT … roles", "seq_scans": ["user_roles"], "no_index": ["user_roles"]},
        {"n": 3, "sql": "SELECT … cases", "seq_scans": []},
    ]
    rows = {"users": 47, "user_roles": 60, "mediation_parties": 229_908}
    set_aside_small_tables(explained, rows, min_rows=10_000)
    assert explained[0]["seq_scans"] == ["mediation_parties"] and explained[0]["small_seq_scans"] == ["users"]
    assert explained[1]["seq_scans"] == ["user_roles"] and "small_seq_scans" not in explained[1]
    problems, notes = plan_problems(explained)
    assert problems == [
        "seq scan of mediation_parties in statement 1: SELECT … users",
        "seq scan of user_roles (no index can serve it) in statement 2: SELECT … roles",
    ]
    assert notes == ["seq scans of small tables, not judged: users"]


def test_shorten_flattens_whitespace_and_cuts():
    assert shorten("SELECT a,\n       b\nFROM t") == "SELECT a, b FROM t"
    assert shorten("x" * 300, 20) == "x" * 19 + "…"


# --- the figures -----------------------------------------------------------------------------


def a_load(requests, app_ticks, db_ticks=0, seconds=1.0, client_cpu_s=0.01, latencies=None):
    return {
        "requests": requests,
        "seconds": seconds,
        "cpu_ticks": {"app": app_ticks, "db": db_ticks},
        "client_cpu_s": client_cpu_s,
        "latencies": latencies if latencies is not None else [0.01] * requests,
        "queries": {"3"},
    }


def test_load_figures_are_per_request_milliseconds():
    figures = load_figures(a_load(200, app_ticks=CLOCK_TICKS, db_ticks=CLOCK_TICKS // 2, seconds=2.0))
    assert figures["app_cpu_ms"] == pytest.approx(5.0, abs=0.001)  # 1 s of CPU over 200 requests
    assert figures["db_cpu_ms"] == pytest.approx(2.5, abs=0.03)
    assert figures["cpu_ms"] == pytest.approx(figures["app_cpu_ms"] + figures["db_cpu_ms"], abs=0.002)
    assert figures["client_cpu_ms"] == pytest.approx(0.05)
    assert figures["rps"] == 100.0


def test_cpu_ratio_is_the_median_floor_over_the_median_page():
    floor = [{"cpu_ms": 2.0}, {"cpu_ms": 9.0}, {"cpu_ms": 3.0}]  # median 3
    page = [{"cpu_ms": 12.0}, {"cpu_ms": 6.0}, {"cpu_ms": 7.0}]  # median 7
    assert cpu_ratio(floor, page) == pytest.approx(3 / 7)
    assert cpu_ratio([{"cpu_ms": 2.0}, {"cpu_ms": 4.0}], [{"cpu_ms": 6.0}, {"cpu_ms": 10.0}]) == pytest.approx(3 / 8)
    assert cpu_ratio(floor, [{"cpu_ms": None}]) is None


def test_percentile_is_the_nearest_rank():
    values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    assert percentile(values, 0.5) == 5
    assert percentile(values, 0.95) == 9
    assert percentile([], 0.5) is None


def test_summarise_keeps_every_round_and_medians():
    loads = [a_load(100, CLOCK_TICKS), a_load(100, CLOCK_TICKS * 2), a_load(50, CLOCK_TICKS)]
    summary = summarise(loads)
    assert summary["requests"] == 250 and summary["seconds"] == 3.0
    assert [round(r["cpu_ms"], 3) for r in summary["rounds"]] == [10.0, 20.0, 20.0]
    assert summary["cpu_ms"] == pytest.approx(20.0)
    assert summary["p50_ms"] == 10.0


# --- the raw HTTP client ---------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = set()

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the name http.server calls
        Handler.connections.add(self.client_address)
        route = getattr(self, "route_" + self.path.strip("/").split("?")[0], None)
        if route is None:
            self.send_error(404)
            return
        route()

    cookies_seen = []

    def route_len(self):
        Handler.cookies_seen.append(self.headers.get("Cookie", "-"))
        body = b"hello " + self.headers.get("Cookie", "-").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Query-Count", "3")
        self.end_headers()
        self.wfile.write(body)

    def route_close(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok")
        self.close_connection = True

    def route_chunked(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b"first,", b"second" * 1000, b",last"):
            self.wfile.write(f"{len(part):x};ext=1\r\n".encode() + part + b"\r\n")
        self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")

    def route_eof(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"until the end")
        self.close_connection = True

    def route_nobody(self):
        self.send_response(304)
        self.end_headers()

    posted = []

    def route_form(self):
        body = b'<form><input type="hidden" name="csrf_token" value="token-of-the-page"></form>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "session=with-the-token; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Handler.posted.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def route_login(self):
        self.send_response(302)
        self.send_header("Location", "/home")
        self.send_header("Set-Cookie", "session=abc123; Path=/; HttpOnly")
        self.send_header("Set-Cookie", "old=; Max-Age=0; Path=/")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port, path, headers=()):
    return build_request("GET", path, f"127.0.0.1:{port}", headers)


def test_build_request_bytes():
    assert (
        build_request("GET", "/x?q=1", "h:1", [("Cookie", "a=b")])
        == b"GET /x?q=1 HTTP/1.1\r\nHost: h:1\r\nCookie: a=b\r\n\r\n"
    )
    post = build_request("POST", "/login", "h:1", [("Content-Type", "application/x-www-form-urlencoded")], "a=1")
    assert post.endswith(b"Content-Length: 3\r\n\r\na=1")


def test_keep_alive_content_length_and_headers(http_server):
    Handler.connections.clear()
    with Connection("127.0.0.1", http_server) as conn:
        first = conn.request(get(http_server, "/len", [("Cookie", "session=s1")]))
        second = conn.request(get(http_server, "/len"))
    assert (first.status, first.body, first.header("x-query-count")) == (200, b"hello session=s1", "3")
    assert second.body == b"hello -" and not second.will_close
    assert len(Handler.connections) == 1  # both on one connection


def test_connection_close_then_reconnect_on_the_next_request(http_server):
    Handler.connections.clear()
    with Connection("127.0.0.1", http_server) as conn:
        response = conn.request(get(http_server, "/close"))
        assert response.will_close and response.body == b"ok"
        assert conn.sock is None  # closed at once, not reopened before the next request
        assert conn.request(get(http_server, "/len")).status == 200
    assert len(Handler.connections) == 2


def test_chunked_body_is_decoded(http_server):
    with Connection("127.0.0.1", http_server) as conn:
        response = conn.request(get(http_server, "/chunked"))
        assert response.body == b"first," + b"second" * 1000 + b",last"
        assert conn.request(get(http_server, "/len")).status == 200  # the connection is still in step


def test_body_without_length_is_read_to_the_end(http_server):
    with Connection("127.0.0.1", http_server) as conn:
        response = conn.request(get(http_server, "/eof"))
        assert response.body == b"until the end" and response.will_close and conn.sock is None


def test_no_body_statuses_and_errors(http_server):
    with Connection("127.0.0.1", http_server) as conn:
        assert conn.request(get(http_server, "/nobody")).body == b""
        assert conn.request(get(http_server, "/missing")).status == 404


def test_set_cookie_and_location_for_the_login(http_server):
    with Connection("127.0.0.1", http_server) as conn:
        response = conn.request(get(http_server, "/login"))
    assert response.status == 302 and response.header("location") == "/home"
    jar = {"old": "x"}
    update_cookies(jar, response.header_all("set-cookie"))
    assert jar == {"session": "abc123"}


def test_parse_head():
    version, status, reason, headers = parse_head(b"HTTP/1.1 302 FOUND\r\nLocation: /x\r\nSet-Cookie: a=b; Path=/")
    assert (version, status, reason) == ("HTTP/1.1", 302, "FOUND")
    assert headers == [("location", "/x"), ("set-cookie", "a=b; Path=/")]
    with pytest.raises(HttpError):
        parse_head(b"garbage")
    with pytest.raises(HttpError):
        parse_head(b"HTTP/1.1 200 OK\r\nno colon here")


def test_a_kept_alive_connection_closed_by_the_server_is_opened_again():
    """A server that answers one request per connection without saying so: the second request finds the
    connection closed and is sent again on a new one."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted = []

    def serve():
        for _ in range(2):
            sock, _ = listener.accept()
            accepted.append(sock)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(4096)
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with Connection("127.0.0.1", port, timeout=5) as conn:
            assert conn.request(get(port, "/a")).body == b"hi"
            assert conn.sock is not None  # kept: the server did not say close
            assert conn.request(get(port, "/b")).body == b"hi"
        thread.join(timeout=5)
        assert len(accepted) == 2
    finally:
        listener.close()


# --- the rows --------------------------------------------------------------------------------


def test_every_row_names_a_floor_that_is_a_row():
    names = {bench_pages.FLOOR["name"]} | {page["name"] for page in bench_pages.PAGES}
    for page in bench_pages.PAGES:
        assert page["floor"] in names and page["floor"] != page["name"]
        assert bench_pages.floor_of(page)["name"] == page["floor"]
    assert bench_pages.FLOOR.get("anonymous")


def test_a_row_without_a_floor_is_refused():
    with pytest.raises(ValueError, match="must name its floor"):
        bench_pages.check_rows([{"name": "x", "path": "/x"}])
    with pytest.raises(ValueError, match="must name its floor"):
        bench_pages.check_rows([{"name": "x", "path": "/x", "floor": "x"}])


# --- forms posted by a row -------------------------------------------------------------------


def parsed(headers, body):
    """The fields and files of a multipart body, as the app's Werkzeug reads them."""
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    _stream, form, files = parse_form_data(environ)
    return form, files


def test_a_form_row_posts_its_fields_and_files_with_a_new_submission_key_each_time(http_server):
    Handler.posted.clear()
    fields = {"category_id": 7, "description": "楼道灯坏了"}
    photo = bytes(range(256)) * 40
    row = {
        "path": "/form",
        "form_data": (fields, [("photos", "photo.jpg", "image/jpeg", photo)]),
        "headers": {"X-Report-Sender": "page"},
    }
    jar = {"session": "before"}
    make = form_requests(http_server, row, jar)
    assert jar == {"session": "with-the-token"}  # the form's page was opened with the session, for its token
    with Connection("127.0.0.1", http_server) as conn:
        assert [conn.request(make()).status for _ in range(2)] == [200, 200]
    keys = []
    for headers, body in Handler.posted:
        assert headers["Cookie"] == "session=with-the-token" and headers["X-Report-Sender"] == "page"
        form, files = parsed(headers, body)
        assert form["category_id"] == "7" and form["description"] == "楼道灯坏了"
        assert form["csrf_token"] == "token-of-the-page"
        assert files["photos"].filename == "photo.jpg" and files["photos"].read() == photo
        keys.append(form["submission_key"])
    assert len(set(keys)) == 2 and all(KEY_PATTERN.fullmatch(key) for key in keys)


def test_rows_of_another_user_and_forms_are_resolved_from_the_refs():
    row = {"name": "r", "path": "/x/{thing}", "user": "somebody", "form": lambda refs: ({"a": refs["thing"]}, [])}
    resolved = bench_pages.resolve_path(row, {"thing": 5, "somebody": "13500000001"})
    assert resolved["path"] == "/x/5" and resolved["login"] == "13500000001"
    assert resolved["form_data"] == ({"a": 5}, [])


def test_rows_on_the_same_path_are_each_requested_with_their_own_session(http_server):
    class Users:
        port = http_server

        def cookies_for(self, row):
            return {} if row.get("anonymous") else {"session": "admin"}

    args = SimpleNamespace(threads=1, max_requests=2)
    session = Session(Users(), args, meter=None)
    Handler.cookies_seen.clear()
    session.load({"name": "floor", "path": "/len", "anonymous": True}, 5, cap=2)
    session.load({"name": "floor logged in", "path": "/len"}, 5, cap=2)
    assert Handler.cookies_seen == ["-", "-", "session=admin", "session=admin"]
