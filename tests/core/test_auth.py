"""Login by mobile number, throttling, logout, account and password change."""

from sqlalchemy import select

from app.core.models import AuditEntry, User
from app.extensions import db
from tests.conftest import PASSWORD, page_text, translated


def login(client, phone, password=PASSWORD, **extra):
    return client.post("/login", data={"phone": phone, "password": password, **extra})


def test_login_page_is_chinese_by_default(client, app):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert translated(app, "Mobile number") in html
    # every visible input has a label tied to it
    for field in ("phone", "password", "remember"):
        assert f'for="{field}"' in html and f'id="{field}"' in html


def test_login_with_mobile_number_and_password(client, app, world):
    response = login(client, world.phones["grid_worker"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert "李网格" in page_text(home)
    with app.app_context():
        user = db.session.get(User, world.users["grid_worker"])
        assert user.last_login_at is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.login"))
        assert entry.actor_id == user.id and entry.ip == "127.0.0.1"


def test_phone_is_normalised_and_validated(client, world):
    assert login(client, "+86 139-0000-0003").status_code == 302
    client.post("/logout")
    response = login(client, "12345")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_wrong_password_keeps_phone_and_says_so(client, app, world):
    response = login(client, world.phones["mediator"], "wrong-password-1")
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, "The mobile number or password is not correct.") in text
    assert f'value="{world.phones["mediator"]}"' in response.get_data(as_text=True)
    with app.app_context():
        failed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.login_failed")).all()
        assert len(failed) == 1 and failed[0].params == {"phone": "139****0002"}


def test_five_wrong_passwords_in_a_minute_are_throttled(client, app, world):
    phone = world.phones["mediator"]
    for _ in range(5):
        assert login(client, phone, "wrong-password-1").status_code == 200
    response = login(client, phone, PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    minutes = int(response.headers["Retry-After"]) // 60
    assert 1 <= minutes <= app.config["LOGIN_FAILURE_WINDOW"] // 60
    with app.test_request_context():
        from app.core.i18n import ngettext

        expected = ngettext(
            "Too many failed logins. For your safety, please try again in %(num)d minute.",
            "Too many failed logins. For your safety, please try again in %(num)d minutes.",
            minutes,
        )
    assert expected in page_text(response)
    # another number from the same browser is not blocked
    assert login(client, world.phones["volunteer"]).status_code == 302


def test_successful_logins_are_not_counted(client, world):
    for _ in range(7):
        assert login(client, world.phones["volunteer"]).status_code == 302
        client.post("/logout")


def test_deactivated_user_cannot_log_in(client, app, world):
    with app.app_context():
        db.session.get(User, world.users["volunteer"]).active = False
        db.session.commit()
    response = login(client, world.phones["volunteer"])
    assert response.status_code == 200
    message = "This account has been deactivated. Please contact your administrator."
    assert translated(app, message) in page_text(response)


def test_safe_next_redirect(client, world):
    response = login(client, world.phones["admin"], next="/admin/users")
    assert response.headers["Location"] == "/admin/users"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = login(client, world.phones["admin"], next=evil)
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_login_required_redirects_with_next(client, world):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_needs_post_and_ends_session(client, login_as):
    login_as("mediator")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/notifications").status_code == 302


def test_change_own_password_logs_out_other_devices(app, client, login_as, world):
    other_device = app.test_client()
    login_as("coordinator")
    login_as("coordinator", other_device)
    assert other_device.get("/notifications").status_code == 200
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "new-secret-42", "confirm": "new-secret-42"},
    )
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 200  # this device stays logged in
    assert other_device.get("/notifications").status_code == 302  # the other one is out
    client.post("/logout")
    assert login(client, world.phones["coordinator"], "new-secret-42").status_code == 302


def test_change_password_errors_are_shown_and_nothing_changes(app, client, login_as, world):
    login_as("coordinator")
    response = client.post(
        "/account/password",
        data={"current_password": "not-it-123", "new_password": "new-secret-42", "confirm": "new-secret-42"},
    )
    assert translated(app, "The current password is not correct.") in page_text(response)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "other"}
    )
    text = page_text(response)
    assert translated(app, "The two passwords do not match.") in text
    with app.app_context():
        assert db.session.get(User, world.users["coordinator"]).check_password(PASSWORD)


def test_account_language_is_saved_per_user(app, client, login_as, world):
    login_as("volunteer")
    response = client.post("/account", data={"name": "孙志愿", "locale": "en"})
    assert response.status_code == 302
    assert "My account" in page_text(client.get("/account"))
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).locale == "en"
    # a new session of the same user comes back in English
    fresh = app.test_client()
    login(fresh, world.phones["volunteer"])
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


def test_account_update_is_an_audited_operation(app, client, login_as, world):
    login_as("volunteer")
    response = client.post("/account", data={"name": " 孙小愿 ", "locale": "zh_CN"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world.users["volunteer"])
        assert user.name == "孙小愿" and user.locale == "zh_CN"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.account_updated"))
        assert (entry.actor_id, entry.target_type, entry.target_id) == (user.id, "users", user.id)
        assert entry.data == {"name": ["孙志愿", "孙小愿"], "locale": [None, "zh_CN"]}


def test_account_errors_keep_what_was_typed_and_change_nothing(app, client, login_as, world):
    login_as("volunteer")
    response = client.post("/account", data={"name": "孙小愿", "locale": "fr"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert 'value="孙小愿"' in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, world.users["volunteer"])
        assert (user.name, user.locale) == ("孙志愿", None)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.account_updated")) is None
