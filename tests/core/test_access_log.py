"""Personal data stays out of URLs and log lines: a scenario run against gunicorn as ``make run`` starts it
(gunicorn.conf.py), and its access log searched for the numbers it used."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import PASSWORD
from tests.mediation.factories import make_case

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"  # the leaking-ceiling case's applicant
ID_NUMBER = "11010519491231002X"


class Browser:
    """Cookies and requests over one HTTP connection, like a browser's tab."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.urls = []

    def request(self, method, url, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.urls.append(url)
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response, text

    def follow(self, method, url, form=None):
        response, text = self.request(method, url, form)
        while response.status in (301, 302, 303):
            response, text = self.request("GET", response.headers["Location"])
        return response, text


def token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_searching_by_phone_and_id_number_leaves_no_trace_in_urls_or_the_access_log(app, world, tmp_path):
    case_id = make_case(app, world, upto="registered")
    port, log = free_port(), tmp_path / "access.log"
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="x" * 32,
        LINLI_INSTANCE=str(tmp_path),
        LINLI_ENV="production",
    )
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--access-logfile", str(log), "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    try:
        browser = Browser(port)
        for _ in range(100):
            try:
                _, login_page = browser.request("GET", "/login")
                break
            except OSError:
                time.sleep(0.1)
        form = {"phone": world.phones["mediator"], "password": PASSWORD, "csrf_token": token(login_page)}
        browser.follow("POST", "/login", form)
        _, listing = browser.request("GET", "/mediation/")
        for query in (PHONE, ID_NUMBER, PHONE[:7]):
            response, results = browser.follow("POST", "/mediation/", {"q": query, "csrf_token": token(listing)})
            assert response.status == 200
            if query != ID_NUMBER:  # the search does not look at ID numbers, but one may be typed into it
                assert f"/mediation/cases/{case_id}" in results, query
            # the language switch sends the page back to where it was: the search's token, not the number
            browser.follow("POST", "/language", {"lang": "en", "next": browser.urls[-1], "csrf_token": token(results)})
        browser.follow("GET", f"/mediation/?q={PHONE}")  # an old bookmark: moved out of the URL at once
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    written = log.read_text()
    assert "/mediation/" in written and "/login" in written
    requested = [url for url in browser.urls if url != f"/mediation/?q={PHONE}"]
    for number in (PHONE, ID_NUMBER, PHONE[:7]):
        assert number not in written
        assert not any(number in url for url in requested)
    assert not re.search(r"\?\S*=", written)  # no query string at all
