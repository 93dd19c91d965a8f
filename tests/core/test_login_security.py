"""Login throttling in the database (per normalised number and per address, across workers), passwords checked
the same way for unknown numbers, sessions ended on the server at logout, remember-me for at most 30 days,
the app behind a reverse proxy, HSTS."""

import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import request
from sqlalchemy import func, select, update

from app import create_app
from app.core import security, throttle
from app.core.models import AuditEntry, LoginFailure, User, UserSession
from app.core.types import utcnow
from app.extensions import db, limiter
from tests.conftest import PASSWORD, CSRFClient, page_text

WRONG = "wrong-password-1"


def login(client, phone, password=PASSWORD, **kwargs):
    data = {"phone": phone, "password": password}
    data.update(kwargs.pop("data", {}))
    return client.post("/login", data=data, **kwargs)


def in_english(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


def throttled_text(minutes):
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed logins. For your safety, please try again in {minutes} {unit}."


def assert_throttled(response, minutes=15):
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(minutes * 60)
    assert throttled_text(minutes) in page_text(response)
    assert 'name="password"' in response.get_data(as_text=True)  # the login form, to try again later


def logged_in(client):
    return client.get("/notifications").status_code == 200


def count_failures(app, key):
    with app.app_context():
        return throttle.failures(key)


# --- throttling --------------------------------------------------------------------------------------------


def test_every_way_of_writing_a_number_counts_against_the_same_number(app, client, world):
    in_english(client)
    written = ["139 0000 0002", "+86 139-0000-0002", "13900000002", "139-0000-0002", "+8613900000002"]
    for phone in written:
        assert login(client, phone, WRONG).status_code == 200
    assert count_failures(app, "phone:13900000002") == 5
    # now no way of writing it gets a sixth try, not even with the right password
    for phone in ["139 0000 0002", "13900000002"]:
        assert_throttled(login(client, phone))
    # another number from the same browser is not blocked
    assert login(client, world.phones["volunteer"]).status_code == 302


def test_the_count_is_in_the_database_so_every_worker_and_server_sees_it(app, app_config, world):
    """Two app instances on the same database stand for two servers (or gunicorn workers): what one counted
    holds on the other, even when the other's memory (where Flask-Limiter keeps its counts without Redis) is
    fresh."""
    other_server = create_app(dict(app_config))
    other_server.test_client_class = CSRFClient
    first, second = app.test_client(), other_server.test_client()
    in_english(second)
    for _ in range(3):
        assert login(first, world.phones["mediator"], WRONG).status_code == 200
    limiter.reset()  # the other process has its own memory
    for _ in range(2):
        assert login(second, world.phones["mediator"], WRONG).status_code == 200
    assert_throttled(login(second, world.phones["mediator"]))
    assert login(first, world.phones["mediator"]).status_code == 429


def test_attempts_sent_at_the_same_moment_do_not_get_past_the_limit(app, world):
    """Ten wrong passwords for one number, sent together from ten connections: five are checked, the others
    are refused (on SQLite and PostgreSQL alike)."""
    clients = [app.test_client() for _ in range(10)]
    tokens = [c.csrf_token() for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def attempt(i):
        barrier.wait()
        data = {"csrf_token": tokens[i], "phone": world.phones["mediator"], "password": WRONG}
        statuses[i] = clients[i].post("/login", data=data).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] * 5 + [429] * 5
    assert count_failures(app, "phone:13900000002") == 5


def test_too_many_failures_from_one_address_block_that_address_only(app, client, world):
    in_english(client)
    office = {"REMOTE_ADDR": "198.51.100.7"}
    for i in range(20):  # twenty different numbers, known or not
        assert login(client, f"1370000{i:04d}", WRONG, environ_base=office).status_code == 200
    assert count_failures(app, "ip:198.51.100.7") == 20
    assert_throttled(login(client, world.phones["admin"], environ_base=office))
    # the same number from elsewhere is fine
    elsewhere = {"REMOTE_ADDR": "203.0.113.4"}
    assert login(app.test_client(), world.phones["admin"], environ_base=elsewhere).status_code == 302


def test_a_successful_login_clears_the_numbers_count(app, client, world):
    phone = world.phones["coordinator"]
    for _ in range(4):
        assert login(client, phone, WRONG).status_code == 200
    assert login(client, phone).status_code == 302
    assert count_failures(app, "phone:13900000005") == 0
    assert count_failures(app, "ip:127.0.0.1") == 4  # the address keeps what it failed
    client.post("/logout")
    for _ in range(5):
        assert login(client, phone, WRONG).status_code == 200
    assert login(client, phone).status_code == 429


def test_the_wait_is_counted_from_the_failures_and_old_ones_are_forgotten(app, client, world, monkeypatch):
    in_english(client)
    key = "phone:13900000006"
    with app.app_context():
        now = utcnow()
        # five failures 14 minutes ago: one more minute to wait
        db.session.add_all(LoginFailure(key=key, created_at=now - timedelta(minutes=14)) for _ in range(5))
        # long forgotten ones, deleted by the next attempt
        db.session.add_all(LoginFailure(key=key, created_at=now - timedelta(hours=3)) for _ in range(3))
        db.session.commit()
    assert_throttled(login(client, world.phones["volunteer"]), minutes=1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5
        db.session.execute(update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert login(client, world.phones["volunteer"]).status_code == 302
    # the limits and the window are settings
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_PHONE", 2)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW", 60 * 60)
    other = app.test_client()
    in_english(other)
    for _ in range(2):
        assert login(other, world.phones["admin"], WRONG).status_code == 200
    assert_throttled(login(other, world.phones["admin"]), minutes=60)


def test_a_refused_attempt_checks_no_password(app, client, world, monkeypatch):
    for _ in range(5):
        login(client, world.phones["mediator"], WRONG)
    checked = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda *args: checked.append(args) or real(*args))
    assert login(client, world.phones["mediator"]).status_code == 429
    assert checked == []


# --- no enumeration by timing ------------------------------------------------------------------------------


def test_unknown_and_known_numbers_both_check_a_password_hash(app, client, world, monkeypatch):
    checked = []
    real = security.check_password_hash
    monkeypatch.setattr(security, "check_password_hash", lambda stored, pw: checked.append(stored) or real(stored, pw))
    with app.app_context():
        user_hash = db.session.get(User, world.users["mediator"]).password_hash

    assert login(client, world.phones["mediator"], WRONG).status_code == 200
    assert checked == [user_hash]
    assert login(client, "13711112222", WRONG).status_code == 200  # nobody has this number
    assert len(checked) == 2
    dummy = checked[1]
    assert dummy != user_hash and dummy == security.dummy_password_hash()  # made once
    # the same kind of hash with the same cost, so that checking it takes as long
    assert dummy.split("$")[0] == user_hash.split("$")[0]
    # and both answers are the same
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry.params).where(AuditEntry.action == "user.login_failed")).all()
    assert entries == [{"phone": "139****0002"}, {"phone": "137****2222"}]


def test_a_dummy_hash_never_lets_anybody_in(app):
    with app.app_context():
        assert security.verify_password(None, "anything") is False


# --- sessions ----------------------------------------------------------------------------------------------


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def copy_cookies(source, target, *names):
    for name in names:
        value = cookie(source, name)
        if value is not None:
            target.set_cookie(name, value)


def test_a_copied_session_cookie_is_worthless_after_logout(app, client, world):
    assert login(client, world.phones["mediator"]).status_code == 302
    thief = app.test_client()
    copy_cookies(client, thief, "session")
    assert logged_in(thief)
    assert client.post("/logout").status_code == 302
    assert not logged_in(client)
    assert not logged_in(thief)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_the_remember_me_cookie_dies_with_logout(app, client, world):
    assert login(client, world.phones["mediator"], data={"remember": "y"}).status_code == 302
    assert cookie(client, "remember_token")
    thief = app.test_client()
    copy_cookies(client, thief, "remember_token")  # only the long-lived cookie, as after closing the browser
    assert logged_in(thief)
    client.post("/logout")
    assert cookie(client, "remember_token") is None  # deleted from the browser that logged out
    fresh_thief = app.test_client()
    copy_cookies(thief, fresh_thief, "remember_token")
    assert not logged_in(fresh_thief)
    assert not logged_in(thief)


def test_remember_me_lasts_thirty_days_at_most(app, client, world):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    response = login(client, world.phones["mediator"], data={"remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.remember and abs(row.expires_at - row.created_at - timedelta(days=30)) < timedelta(seconds=1)
    # a copy of the cookie kept past the 30 days (a browser does not send it then) is refused by the server
    thief = app.test_client()
    copy_cookies(client, thief, "remember_token")
    with app.app_context():
        db.session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not logged_in(thief)


def test_a_session_without_remember_me_ends_after_twelve_hours(app, client, world):
    login(client, world.phones["mediator"])
    assert cookie(client, "remember_token") is None
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert not row.remember and row.expires_at - row.created_at == timedelta(hours=12)
        db.session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not logged_in(client)


def test_logging_out_on_the_phone_keeps_the_pc_logged_in(app, world):
    phone, pc = app.test_client(), app.test_client()
    assert login(phone, world.phones["grid_worker"]).status_code == 302
    assert login(pc, world.phones["grid_worker"], data={"remember": "y"}).status_code == 302
    phone.post("/logout")
    assert not logged_in(phone)
    assert logged_in(pc)


def test_the_session_is_not_bound_to_the_address_or_the_browser(client, world):
    at_home = {"REMOTE_ADDR": "192.168.1.23", "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) WeChat/8.0"}
    on_4g = {"REMOTE_ADDR": "10.64.12.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Chrome/130"}
    assert login(client, world.phones["grid_worker"], environ_base=at_home).status_code == 302
    assert client.get("/notifications", environ_base=on_4g).status_code == 200


def test_a_session_from_before_live_sessions_is_nobody(app, client, world):
    """Sessions and remember-me cookies written before held only the user's login token: they end."""
    with app.app_context():
        token = db.session.get(User, world.users["admin"]).login_token
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    assert not logged_in(client)


def test_changing_the_password_keeps_this_device_with_its_remember_me(app, client, world):
    assert login(client, world.phones["coordinator"], data={"remember": "y"}).status_code == 302
    other = app.test_client()
    assert login(other, world.phones["coordinator"]).status_code == 302
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "new-secret-42", "confirm": "new-secret-42"},
    )
    assert response.status_code == 302
    assert logged_in(client) and not logged_in(other)
    with app.app_context():
        # this device's new session, remembered like the one it replaces; the other device's row leads nowhere
        assert sorted(db.session.scalars(select(UserSession.remember))) == [False, True]
    # this device's new remember-me cookie works in a new browser session
    later = app.test_client()
    copy_cookies(client, later, "remember_token")
    assert logged_in(later)


# --- behind a reverse proxy, HTTPS -------------------------------------------------------------------------


def proxied_app(app_config, **settings):
    proxied = create_app(dict(app_config, **settings))
    proxied.test_client_class = CSRFClient

    @proxied.get("/_test/client")
    def client_seen():
        return {"address": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return proxied


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "linli.example.cn"}
# over HTTPS Flask-WTF also wants the form to come from this site
FORM_POST = dict(FORWARDED, Referer="https://linli.example.cn/login")
PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_one(app_config, world):
    proxied = proxied_app(app_config, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    seen = client.get("/_test/client", headers=FORWARDED, environ_base=PROXY).json
    assert seen == {"address": "203.0.113.9", "scheme": "https", "host": "linli.example.cn"}
    # the audit log records the resident's address, not nginx's
    response = client.post(
        "/login", data={"phone": world.phones["admin"], "password": PASSWORD}, headers=FORM_POST, environ_base=PROXY
    )
    assert response.status_code == 302
    with proxied.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.login"))
        assert entry.ip == "203.0.113.9"


def test_only_as_many_forwarded_addresses_as_proxies_are_believed(app_config):
    # a client that sends its own X-Forwarded-For in front of nginx's: only nginx's entry counts
    proxied = proxied_app(app_config, TRUSTED_PROXIES=1)
    headers = dict(FORWARDED, **{"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert proxied.test_client().get("/_test/client", headers=headers, environ_base=PROXY).json["address"] == (
        "203.0.113.9"
    )


def test_without_trusted_proxies_forwarded_headers_are_ignored(app_config, world):
    assert create_app(dict(app_config)).config["TRUSTED_PROXIES"] == 0
    direct = proxied_app(app_config)
    seen = direct.test_client().get("/_test/client", headers=FORWARDED, environ_base=PROXY).json
    assert seen == {"address": "10.0.0.2", "scheme": "http", "host": "localhost"}


def test_failed_logins_are_counted_per_forwarded_address(app_config, app, world):
    proxied = proxied_app(app_config, TRUSTED_PROXIES=1)
    client = proxied.test_client()
    assert login(client, world.phones["admin"], WRONG, headers=FORM_POST, environ_base=PROXY).status_code == 200
    assert count_failures(app, "ip:203.0.113.9") == 1 and count_failures(app, "ip:10.0.0.2") == 0


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_when_cookies_are_https_only(app_config, world, secure):
    site = create_app(dict(app_config, SESSION_COOKIE_SECURE=secure))
    response = site.test_client().get("/login")
    if secure:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert site.config["REMEMBER_COOKIE_SECURE"] is True
    else:
        assert "Strict-Transport-Security" not in response.headers
