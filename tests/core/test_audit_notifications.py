"""The audit log (written by operations, browsed by admins) and in-app notifications."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.core import operations
from app.core.i18n import force_locale
from app.core.models import AuditEntry, Notification, User
from app.extensions import db
from tests.conftest import page_text, translated


def test_log_keeps_actor_target_data_time_and_ip(app, world):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        admin = db.session.get(User, world.users["admin"])
        volunteer = db.session.get(User, world.users["volunteer"])
        before = datetime.now(UTC)
        entry = operations.log(admin, "user.checked", volunteer, "看了一眼", {"why": "test"})
        db.session.commit()
        stored = db.session.get(AuditEntry, entry.id)
        assert (stored.actor_id, stored.action, stored.target_type, stored.target_id) == (
            admin.id,
            "user.checked",
            "users",
            volunteer.id,
        )
        assert stored.data == {"why": "test"} and stored.ip == "10.1.2.3" and stored.summary == "看了一眼"
        assert before - timedelta(seconds=1) <= stored.created_at <= datetime.now(UTC)
        assert stored.created_at.tzinfo is not None


def test_audit_page_filters(app, client, login_as, world):
    login_as("admin")
    client.post(
        "/admin/users/new",
        data={
            "phone": "13700000009",
            "name": "钱新人",
            "password": "start-1234",
            "roles": ["volunteer"],
            "org_unit_id": str(world.grid_a2),
            "handling_unit_id": "0",
            "active": "y",
        },
    )
    client.post(f"/admin/units/{world.community_a}/new", data={"kind": "grid", "name": "新网格"})
    # what was done and to what, in the reader's language: no action codes, no table names
    created_user = translated(app, "Created user %(name)s", name="钱新人")
    created_unit = translated(app, "Created %(name)s", name="新网格")
    text = page_text(client.get("/admin/audit"))
    assert created_user in text and created_unit in text and "陈管理" in text
    assert translated(app, "User") + "：钱新人" in text
    assert "user.created" not in text and "org_units" not in text
    text = page_text(client.get("/admin/audit?action=org_unit"))
    assert created_unit in text and created_user not in text
    text = page_text(client.get("/admin/audit?target_type=users"))
    assert created_user in text and created_unit not in text
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    text = page_text(client.get(f"/admin/audit?date_from={tomorrow}"))
    assert translated(app, "No entries match these filters.") in text
    # a malformed date is ignored with the field marked, never a 500
    response = client.get("/admin/audit?date_from=2026-13-45")
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)
    # the same entries read in English by an English reader
    client.post("/language", data={"lang": "en"})
    text = page_text(client.get("/admin/audit"))
    assert "Created user 钱新人" in text and "User: 钱新人" in text


def test_audit_page_hides_actors_outside_the_admins_scope(app, client, login_as, world, password_hash):
    with app.app_context():
        outsider_admin = db.session.get(User, world.users["outsider"])
        operations.log(outsider_admin, "secret.thing", None, "东湖的秘密")
        db.session.commit()
    with app.app_context():
        # an admin of community A only
        from tests.conftest import make_user

        community_a = db.session.get(User, world.users["mediator"]).org_unit
        make_user("13900000099", "回龙管理", ["admin"], community_a, password_hash)
        db.session.commit()
        admin_a = db.session.scalar(select(User).where(User.phone == "13900000099"))
        world.users["admin_a"] = admin_a.id
    login_as("admin_a")
    assert "东湖的秘密" not in page_text(client.get("/admin/audit"))
    login_as("admin")
    assert "东湖的秘密" in page_text(client.get("/admin/audit"))


def test_notify_and_inbox_with_unread_count(app, client, login_as, world):
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        operations.notify(mediator, "案件已受理", "/mediation/")
        operations.notify(mediator, "回访即将到期", "/mediation/")
        db.session.commit()
    login_as("mediator")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in home
    inbox = page_text(client.get("/notifications"))
    assert "案件已受理" in inbox and "回访即将到期" in inbox
    with app.app_context():
        first = db.session.scalar(select(Notification).order_by(Notification.id))
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/mediation/"
    assert 'data-testid="unread-count">1<' in client.get("/").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert "unread-count" not in client.get("/").get_data(as_text=True)


def test_a_notification_reads_in_the_language_of_whoever_reads_it(app, client, login_as, world):
    """Kept as its message and parameters (app.core.records), translated when the inbox is shown: the same
    notification reads in Chinese, then in English once the recipient switches; one written before (text, no
    parameters) reads as it was written."""
    from app.core.i18n import lazy_gettext

    with app.test_request_context():
        mediator = db.session.get(User, world.users["mediator"])
        operations.notify(mediator, lazy_gettext("You preside over case %(number)s.", number="回龙调〔2026〕第007号"))
        db.session.add(Notification(user_id=mediator.id, message="旧的消息", params=None))
        db.session.commit()
        stored = db.session.scalars(select(Notification.message).where(Notification.message != "旧的消息")).all()
    assert stored == ["You preside over case %(number)s."]  # the message id, not a translation
    login_as("mediator")
    text = page_text(client.get("/notifications"))
    with app.test_request_context():
        with force_locale("zh_CN"):
            chinese = str(lazy_gettext("You preside over case %(number)s.", number="回龙调〔2026〕第007号"))
    assert chinese != "You preside over case 回龙调〔2026〕第007号." and chinese in text and "旧的消息" in text
    with app.test_request_context():
        db.session.get(User, world.users["mediator"]).locale = "en"
        db.session.commit()
    text = page_text(client.get("/notifications"))
    assert "You preside over case 回龙调〔2026〕第007号." in text and "旧的消息" in text


def test_others_cannot_open_my_notification_and_external_links_are_not_followed(app, client, login_as, world):
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        mine = operations.notify(mediator, "外链", "https://evil.example/")
        db.session.commit()
        note_id = mine.id
    login_as("volunteer")
    assert client.post(f"/notifications/{note_id}/open").status_code == 404
    login_as("mediator")
    response = client.post(f"/notifications/{note_id}/open")
    assert response.headers["Location"] == "/notifications"
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_not(None)))
            == 1
        )
