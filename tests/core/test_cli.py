"""flask create-user and flask demo-data."""

from sqlalchemy import func, select

from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import page_text, translated


def test_create_user(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--phone",
            "13600000001",
            "--name",
            "新管理员",
            "--role",
            "admin",
            "--role",
            "mediator",
            "--unit",
            "T-HL",
            "--password",
            "first-pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "13600000001" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "13600000001"))
        assert {str(r) for r in user.roles} == {"admin", "mediator"}
        assert user.org_unit_id == world.community_a and user.check_password("first-pass-1")


def test_create_user_rejects_bad_input(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--phone", "12345", "--name", "x", "--role", "admin", "--password", "first-pass-1"]
    )
    assert result.exit_code != 0 and "mobile" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "--phone",
            world.phones["admin"],
            "--name",
            "x",
            "--role",
            "admin",
            "--password",
            "first-pass-1",
        ]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=["create-user", "--phone", "13600000002", "--name", "x", "--role", "boss", "--password", "first-pass-1"]
    )
    assert result.exit_code != 0


def test_demo_data_fills_an_empty_database(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "13800000001" in result.output and "linli-demo-2026" in result.output
    with app.app_context():
        kinds = dict(db.session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all())
        assert kinds["street"] == 1 and kinds["community"] == 2 and kinds["grid"] >= 4
        assert db.session.scalar(select(func.count(Building.id))) >= 10
        assert db.session.scalar(select(func.count(HandlingUnit.id))) >= 3
        roles = {str(r) for u in db.session.scalars(select(User)) for r in u.roles}
        assert roles == {"admin", "mediator", "grid_worker", "handler", "coordinator", "volunteer"}
        # the studios' cases, at the stages a working studio has them
        statuses = dict(db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        assert statuses == {"registered": 1, "accepted": 1, "in_mediation": 1, "agreement_reached": 2, "declined": 1}
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert runner.invoke(args=["demo-data"]).exit_code != 0


def test_demo_admin_can_log_in(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    response = client.post("/login", data={"phone": "13800000001", "password": "linli-demo-2026"})
    assert response.status_code == 302
    assert "陈立新" in client.get("/").get_data(as_text=True)


def test_demo_mediator_sees_the_overdue_visit_and_the_case_near_its_deadline(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    client.post("/login", data={"phone": "13800000002", "password": "linli-demo-2026"})
    with app.app_context():
        oral = db.session.scalar(
            select(Case.number).where(Case.status == "agreement_reached", Case.summary.contains("遛狗"))
        )
        noisy = db.session.scalar(select(Case.number).where(Case.status == "in_mediation"))
    home = page_text(client.get("/"))
    assert oral in home and noisy in home  # the overdue visit, the case near the one-month limit
    assert translated(app, "overdue") in home
