"""`make audit`'s runner (bench.audit): the page list, reading Lighthouse reports (scores as the report shows
them, the audits that cost points, the median of several runs), the table and the exit status, the command
line given to Lighthouse, and the login whose cookie Lighthouse is sent, against the app on a local server.
One real Lighthouse run (browser, slow) when `npm ci` has installed it."""

import json
import threading

import pytest
from werkzeug.routing import RequestRedirect
from werkzeug.serving import make_server

from app.core.demo import DEMO_PASSWORD, USERS
from app.core.roles import Role
from bench import audit
from bench.audit import PAGES, AuditError, Browser, Page, PageError
from tests.conftest import PASSWORD

# --- the pages -------------------------------------------------------------------------------


def test_pages_cover_the_phone_pages_the_issues_name():
    paths = {page.path for page in PAGES}
    for wanted in ("/grid/report", "/grid/", "/mediation/", "/volunteers/join", "/volunteers/events"):
        assert wanted in paths
    assert any(path.startswith("/grid/orders?list=") for path in paths)
    assert any(audit.split_path(path)[1] and "/mediation/cases/" in path for path in paths)


def test_page_names_are_unique_and_every_user_is_a_demo_user():
    names = [page.name.lower() for page in PAGES]
    assert len(names) == len(set(names))
    logins = audit.demo_logins()
    for page in PAGES:
        assert page.user is None or page.user in logins, page


def test_demo_logins_are_the_first_demo_user_of_each_role():
    logins = audit.demo_logins()
    for role in (Role.admin, Role.mediator, Role.grid_worker, Role.handler):
        phone = next(user[0] for user in USERS if role in user[2])
        assert logins[role.value] == (phone, DEMO_PASSWORD)


def test_every_page_path_is_a_route_of_the_app(app):
    adapter = app.url_map.bind("localhost")
    for page in PAGES:
        source, _pattern = audit.split_path(page.path)
        path = source.split("?")[0]
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except RequestRedirect:  # pragma: no cover - a path without its trailing slash
            pytest.fail(f"{page.name}: {path} redirects")
        assert endpoint != "static", page


def test_select_pages_by_name_or_path_keeps_the_list_order():
    chosen = audit.select_pages(PAGES, ["Case list", "/grid/report"])
    assert [page.name for page in chosen] == ["grid report", "case list"]
    assert audit.select_pages(PAGES, []) == list(PAGES)


def test_select_pages_refuses_an_unknown_name_and_lists_the_known_ones():
    with pytest.raises(AuditError, match="unknown page nope: the pages are grid report"):
        audit.select_pages(PAGES, ["nope"])


def test_a_link_path_finds_the_first_item_link_only():
    source, pattern = audit.split_path("/mediation/ -> /mediation/cases/<n>")
    assert source == "/mediation/"
    html = (
        '<a href="/mediation/cases/new">new</a> <a href="/mediation/cases/12/agreement.pdf">pdf</a>'
        '<a href="/mediation/cases/7">case 7</a><a href="/mediation/cases/3">case 3</a>'
    )
    assert audit.first_link(html, pattern) == "/mediation/cases/7"
    assert audit.first_link('<a href="/mediation/cases/new">', pattern) is None
    assert audit.split_path("/grid/orders?list=mine") == ("/grid/orders?list=mine", None)


def test_extra_pages_and_screen_sizes_from_the_command_line():
    assert audit.extra_page("/grid/orders/5@handler") == Page("/grid/orders/5@handler", "/grid/orders/5", "handler")
    assert audit.extra_page("/login").user is None
    assert audit.screen_size("360x740") == (360, 740)
    with pytest.raises(Exception, match="WIDTHxHEIGHT"):
        audit.screen_size("360")
    with pytest.raises(SystemExit):
        audit.parse_args(["--path", "grid/report"])


# --- reading reports -------------------------------------------------------------------------


def lighthouse_report(accessibility=1.0, performance=0.98, audits=None, refs=None, benchmark=1500):
    """A report shaped like Lighthouse 12's JSON (the parts bench.audit reads)."""
    audits = audits or {}
    refs = refs or {}
    return {
        "lighthouseVersion": "12.2.3",
        "environment": {"benchmarkIndex": benchmark},
        "categories": {
            "accessibility": {"score": accessibility, "auditRefs": refs.get("accessibility", [])},
            "performance": {"score": performance, "auditRefs": refs.get("performance", [])},
        },
        "audits": {
            "first-contentful-paint": {"score": 0.99, "displayValue": "0.9\u00a0s"},
            "largest-contentful-paint": {"score": 0.98, "displayValue": "1.1\u00a0s"},
            "total-blocking-time": {"score": 1, "displayValue": "30\u00a0ms"},
            "cumulative-layout-shift": {"score": 1, "displayValue": "0"},
            "speed-index": {"score": 1, "displayValue": "0.9\u00a0s"},
            **audits,
        },
    }


CONTRAST = {
    "id": "color-contrast",
    "title": "Background and foreground colors do not have a sufficient contrast ratio.",
    "score": 0,
    "scoreDisplayMode": "binary",
    "details": {
        "type": "table",
        "items": [
            {"node": {"type": "node", "selector": "footer.site-footer > p", "snippet": "<p>\n  Linli</p>"}},
            {"node": {"type": "node", "selector": "span.muted", "snippet": '<span class="muted">'}},
        ],
    },
}


def test_scores_are_rounded_as_the_report_shows_them():
    assert audit.scores(lighthouse_report(0.995, 0.945)) == {"accessibility": 100, "performance": 95}
    assert audit.scores(lighthouse_report(0.99, 0.944)) == {"accessibility": 99, "performance": 94}
    assert audit.scores({"categories": {"accessibility": {"score": None}}}) == {
        "accessibility": None,
        "performance": None,
    }


def test_a_page_fails_under_100_accessibility_or_95_performance_or_without_a_score():
    assert audit.failures({"accessibility": 100, "performance": 95}) == {}
    assert audit.failures({"accessibility": 99, "performance": 100}) == {"accessibility": (99, 100)}
    assert audit.failures({"accessibility": 100, "performance": 94}) == {"performance": (94, 95)}
    assert audit.failures({"accessibility": None, "performance": 100}) == {"accessibility": (None, 100)}


def test_failing_audits_name_the_weighted_audits_under_1_with_their_elements():
    report = lighthouse_report(
        0.93,
        audits={
            "color-contrast": CONTRAST,
            "label": {"title": "Form elements have labels", "score": 1, "scoreDisplayMode": "binary"},
            "logical-tab-order": {"title": "manual", "score": None, "scoreDisplayMode": "manual"},
            "list": {"title": "Lists", "score": 0, "scoreDisplayMode": "notApplicable"},
            "experimental": {"title": "Not weighted", "score": 0, "scoreDisplayMode": "binary"},
        },
        refs={
            "accessibility": [
                {"id": "color-contrast", "weight": 7},
                {"id": "label", "weight": 7},
                {"id": "logical-tab-order", "weight": 0},
                {"id": "list", "weight": 7},
                {"id": "experimental", "weight": 0},
            ]
        },
    )
    found = audit.failing_audits(report, "accessibility")
    assert [item[0] for item in found] == ["color-contrast"]
    _id, title, score, _display, elements, more = found[0]
    assert title.startswith("Background and foreground colors") and score == 0
    assert elements == ["footer.site-footer > p <p> Linli</p>", 'span.muted <span class="muted">']
    assert more == 0


def test_failing_performance_audits_include_the_diagnostics_that_explain_a_slow_metric():
    report = lighthouse_report(
        performance=0.9,
        audits={
            "total-blocking-time": {"title": "Total Blocking Time", "score": 0.72, "displayValue": "360 ms"},
            "long-tasks": {"title": "Long tasks", "score": 0.5, "scoreDisplayMode": "metricSavings"},
            "bootup-time": {"title": "JS execution", "score": 0.95, "scoreDisplayMode": "numeric"},
            "diagnostics": {"title": "Diagnostics", "score": None, "scoreDisplayMode": "informative"},
        },
        refs={
            "performance": [
                {"id": "total-blocking-time", "weight": 30},
                {"id": "long-tasks", "weight": 0},
                {"id": "bootup-time", "weight": 0},
                {"id": "diagnostics", "weight": 0},
            ]
        },
    )
    assert [item[0] for item in audit.failing_audits(report, "performance")] == ["total-blocking-time", "long-tasks"]


def test_elements_are_cut_at_the_limit_and_counted():
    items = [{"node": {"selector": f"a.n{i}", "snippet": "<a>"}} for i in range(11)] + [{"url": "/static/x.js"}]
    shown, more = audit.elements({"details": {"items": items}})
    assert shown[0] == "a.n0 <a>" and len(shown) == 8 and more == 4


def test_the_run_of_median_performance_counts():
    runs = [lighthouse_report(performance=p, benchmark=i) for i, p in enumerate((0.91, 0.99, 0.96))]
    assert audit.median_report(runs) is runs[2]
    assert audit.median_report(runs[:1]) is runs[0]
    assert audit.median_report([lighthouse_report(performance=None), runs[1]]) is runs[1]


# --- the table and the exit status -----------------------------------------------------------


def test_the_table_shows_scores_metrics_and_skipped_pages_with_their_note():
    rows = [
        audit.result_row(Page("case list", "/mediation/", "mediator"), "/mediation/", lighthouse_report(1, 0.97)),
        audit.result_row(
            Page("grid report", "/grid/report", "grid_worker"),
            "/grid/report",
            lighthouse_report(
                0.93,
                0.9,
                audits={"color-contrast": CONTRAST},
                refs={"accessibility": [{"id": "color-contrast", "weight": 7}]},
            ),
        ),
        audit.result_row(Page("event list", "/volunteers/events", "volunteer"), "/volunteers/events", note="404"),
    ]
    assert [row["result"] for row in rows] == ["ok", "fail", "skipped"]
    table = audit.format_table(rows).splitlines()
    assert table[0].split() == [
        "page",
        "path",
        "user",
        "a11y",
        "perf",
        "FCP",
        "LCP",
        "TBT",
        "CLS",
        "SI",
        "CPU",
        "result",
    ]
    assert table[2].split()[2:6] == ["/mediation/", "mediator", "100", "97"]
    assert table[2].split()[-1] == "ok" and "1500" in table[2]
    assert table[3].split()[-1] == "FAIL" and " 93 " in table[3] and " 90 " in table[3]
    assert table[4].split()[-1] == "skipped"
    assert "  event list: 404" in table

    failures = audit.format_failures(rows)
    assert "grid report (/grid/report, as grid_worker):" in failures
    assert "  accessibility 93 < 100" in failures and "  performance 90 < 95" in failures
    assert "color-contrast: Background and foreground colors" in failures
    assert "footer.site-footer > p <p> Linli</p>" in failures
    assert "case list" not in failures


def test_a_performance_failure_on_a_busy_machine_says_so():
    page = Page("case page", "/mediation/cases/1", "mediator")
    busy = audit.result_row(page, page.path, lighthouse_report(1, 0.9, benchmark=371))
    quiet = audit.result_row(page, page.path, lighthouse_report(1, 0.9, benchmark=1600))
    assert "the machine was busy: benchmark index 371 < 1000" in audit.format_failures([busy])
    assert "busy" not in audit.format_failures([quiet])
    assert "performance 90 < 95" in audit.format_failures([quiet])


def test_exit_status_and_summary():
    ok = {"result": "ok"}
    assert audit.exit_status([ok, {"result": "skipped"}]) == 0
    assert audit.exit_status([ok, {"result": "fail"}]) == 1
    assert audit.exit_status([{"result": "fail"}, {"result": "error"}]) == 2
    text = audit.summary([ok, {"result": "fail"}, {"result": "error"}, {"result": "skipped"}])
    assert text.startswith("1 of 4 page(s) under the thresholds (accessibility >= 100, performance >= 95)")
    assert "1 could not be audited" in text and "1 skipped" in text


def test_main_refuses_an_unknown_page_before_starting_anything(capsys):
    assert audit.main(["--page", "nope"]) == 2
    assert "unknown page nope" in capsys.readouterr().out


def test_main_says_how_to_install_lighthouse_when_it_is_missing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(audit, "LIGHTHOUSE", tmp_path / "lighthouse")
    assert audit.main(["--page", "case list"]) == 2
    assert "npm ci" in capsys.readouterr().out


# --- the Lighthouse command line -------------------------------------------------------------


def test_lighthouse_runs_mobile_in_headless_chromium_with_the_headers_in_a_file(tmp_path):
    command = audit.lighthouse_command("http://127.0.0.1:5000/mediation/", tmp_path / "r.json", tmp_path / "h.json")
    assert command[:2] == [str(audit.LIGHTHOUSE), "http://127.0.0.1:5000/mediation/"]
    assert "--form-factor=mobile" in command
    assert "--only-categories=accessibility,performance" in command
    assert f"--chrome-path={audit.CHROMIUM}" in command
    assert "--chrome-flags=--headless=new --no-sandbox" in command
    assert f"--extra-headers={tmp_path / 'h.json'}" in command
    assert not any("screenEmulation" in part for part in command)  # Lighthouse's own phone by default
    small = audit.lighthouse_command("http://x/", tmp_path / "r.json", tmp_path / "h.json", (360, 740))
    assert "--screenEmulation.width=360" in small and "--screenEmulation.height=740" in small


def test_request_headers_carry_the_session_and_the_language():
    assert audit.request_headers("session=abc", "zh-CN") == {"Accept-Language": "zh-CN", "Cookie": "session=abc"}
    assert audit.request_headers(None, "") == {}


# --- logging in on a live server --------------------------------------------------------------


class Served:
    """The app on a local server, as bench.audit.open_page uses its gunicorn (base_url, last_error)."""

    def __init__(self, port):
        self.base_url = f"http://127.0.0.1:{port}"

    def last_error(self):
        return ""


@pytest.fixture
def served(app, world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(server.server_port)
    server.shutdown()
    thread.join(timeout=5)


def test_the_login_cookie_opens_the_page_for_a_new_client(served, world):
    browser = Browser(served.base_url)
    browser.login(world.phones["mediator"], PASSWORD)
    cookie = browser.cookie_header()
    assert cookie.startswith("session=")
    # a client that has nothing but that header, as Lighthouse's Chromium: the page, not the login form
    stranger = Browser(served.base_url)
    stranger.opener.addheaders = [("Cookie", cookie)]
    status, location, html = stranger.request("/mediation/")
    assert (status, location) == (200, "")
    assert 'action="/logout"' in html
    assert Browser(served.base_url).request("/mediation/")[0] == 302  # and without it, the login


def test_a_wrong_password_stops_the_audit(served, world):
    with pytest.raises(AuditError, match="login as 13900000002 failed"):
        Browser(served.base_url).login(world.phones["mediator"], "not-the-password")


def test_open_page_skips_a_page_that_does_not_exist_yet_and_reports_one_that_fails(served, world):
    logins = {"mediator": (world.phones["mediator"], PASSWORD), "volunteer": (world.phones["volunteer"], PASSWORD)}
    path, cookie, note = audit.open_page(served, Page("case list", "/mediation/", "mediator"), logins)
    assert (path, note) == ("/mediation/", "") and cookie.startswith("session=")
    path, cookie, note = audit.open_page(served, Page("later", "/volunteers/not-yet", "volunteer"), logins)
    assert cookie is None and "does not exist yet (404)" in note
    with pytest.raises(PageError, match="answered 403"):
        audit.open_page(served, Page("not theirs", "/mediation/", "volunteer"), logins)
    with pytest.raises(PageError, match="no link like /mediation/cases/<n> on /mediation/"):
        audit.open_page(served, Page("case page", "/mediation/ -> /mediation/cases/<n>", "mediator"), logins)


# --- one real run ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_a_real_run_scores_the_case_list(tmp_path):
    if not audit.LIGHTHOUSE.exists():
        pytest.skip("Lighthouse is not installed: `npm ci` (make audit does it)")
    if not audit.os.path.exists(audit.CHROMIUM):
        pytest.skip("Chromium is not installed")
    results = tmp_path / "audit.json"
    status = audit.main(["--page", "case list", "--confirm", "0", "--json", str(results)])
    assert status != 2, "the audit could not run: see its output above"
    (row,) = json.loads(results.read_text())["pages"]
    assert row["path"] == "/mediation/" and row["user"] == "mediator"
    assert row["scores"]["accessibility"] == 100, row["audits"]["accessibility"]
    assert 0 <= row["scores"]["performance"] <= 100
    assert status == (0 if row["scores"]["performance"] >= 95 else 1)
