"""The help group's people: the world's volunteer approved in community A, a leader who is another volunteer
(login_as("leader")), and a few more volunteers."""

import pytest

from tests.volunteers.factories import make_leader, make_volunteers


@pytest.fixture
def group(app, world):
    make_volunteers(app, world, count=2)
    make_leader(app, world)
    return world


def session_for(app, target, user_id):
    """Log ``target`` (a test client) in as the user ``user_id``, as the login form would."""
    from flask_login.utils import _create_identifier

    from app.core.models import User
    from app.core.operations import start_session
    from app.extensions import db

    with app.test_request_context():
        value = start_session(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()
    with app.test_request_context(environ_base=target.environ_base):
        identifier = _create_identifier()
    with target.session_transaction() as sess:
        sess["_user_id"] = value
        sess["_fresh"] = True
        sess["_id"] = identifier
    return user_id


@pytest.fixture
def login_as(app, client, world, login_as):
    """login_as(role) of tests/conftest.py, and also any user id the group made (login_as(user_id=...))."""

    def login(role=None, target_client=None, user_id=None):
        if user_id is None and role != "leader":
            return login_as(role, target_client)
        return session_for(app, target_client or client, user_id or world.users[role])

    return login
