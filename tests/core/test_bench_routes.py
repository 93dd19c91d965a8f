"""The benchmark's reference routes exist only with LINLI_BENCH, and do what the benchmark says they do."""

from flask_login.utils import _create_identifier
from sqlalchemy import select

from app import create_app
from app.core.models import AuditEntry, User
from app.extensions import db


def test_bench_routes_only_with_linli_bench(app):
    assert "bench.floor" not in app.view_functions and "bench.audited_floor" not in app.view_functions


def test_floor_and_audited_floor(app_config, app, world):
    bench_app = create_app(dict(app_config, LINLI_BENCH=True, LINLI_COUNT_QUERIES=True))
    client = bench_app.test_client()
    floor = client.get("/_bench/floor")
    assert floor.status_code == 200 and floor.headers["X-Query-Count"] == "0"
    assert client.get("/_bench/audited").status_code == 302  # to the login page

    from app.core.operations import start_session

    with bench_app.test_request_context():
        token = start_session(db.session.get(User, world.users["mediator"]))  # a live session, as after login
        db.session.commit()
    with bench_app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update({"_user_id": token, "_fresh": True, "_id": identifier})
    audited = client.get("/_bench/audited")
    assert audited.status_code == 200 and audited.headers["X-Query-Count"] == "2"  # the user, the audit entry
    with bench_app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world.users["mediator"]))
        assert list(actions) == ["bench.floor_viewed"]
