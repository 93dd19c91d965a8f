"""Shared fixtures: the app on a real database (SQLite by default, PostgreSQL when DATABASE_URL names
one), a client that sends CSRF tokens like a browser, one user per role plus an outsider and a colleague,
login_as(), count_queries()."""

import hashlib
import html as html_module
import os
import re
import secrets
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, select, text

from app import create_app
from app.core.models import Building, HandlingUnit, OrgUnit, User, UserRole
from app.core.roles import Role
from app.extensions import db, limiter

PASSWORD = "test-pass-123"
ROLES = [
    "anonymous",
    "admin",
    "mediator",
    "grid_worker",
    "handler",
    "coordinator",
    "volunteer",
    "outsider",
    "colleague",
]


def database_url_for_tests(tmp_dir):
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{os.path.join(tmp_dir, 'test.sqlite3')}"


@pytest.fixture(scope="session")
def app_config(tmp_path_factory):
    tmp_dir = str(tmp_path_factory.mktemp("instance"))
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(16),
        "INSTANCE_DIR": tmp_dir,
        "SQLALCHEMY_DATABASE_URI": database_url_for_tests(tmp_dir),
        "UPLOAD_FOLDER": os.path.join(tmp_dir, "uploads"),
        # Rate limits in Redis when REDIS_URL names one (as in production), else in memory.
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "LINLI_LANGUAGE": "zh_CN",
    }


@pytest.fixture(scope="session")
def app(app_config):
    app = create_app(dict(app_config))
    app.test_client_class = CSRFClient
    with app.app_context():
        reset_schema()
    return app


def reset_schema():
    """Drop everything and build the schema with the migrations (so every run tests them)."""
    from flask_migrate import upgrade

    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts with empty tables and fresh rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        empty_tables()
        limiter.reset()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, as a browser that loaded the page
    would. Pass ``csrf=False`` to send a request without one."""

    def open(self, *args, **kwargs):
        add_token = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if add_token and method in {"POST", "PUT", "PATCH", "DELETE"} and "json" not in kwargs:
            data = kwargs.get("data")
            if data is None:
                data = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = dict(data, csrf_token=self.csrf_token())
        return super().open(*args, **kwargs)

    def csrf_token(self):
        app = self.application
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - what Flask-WTF itself does
                sess["csrf_token"] = raw
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


@pytest.fixture(scope="session")
def password_hash():
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)


def make_unit(parent, kind, name, code):
    unit = OrgUnit(parent=parent, kind=kind, name=name, code=code)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    return unit


def make_user(phone, name, roles, unit, password_hash, handling_unit=None):
    user = User(
        phone=phone,
        name=name,
        org_unit=unit,
        password_hash=password_hash,
        handling_unit=handling_unit,
        role_rows=[UserRole(role=str(r)) for r in roles],
    )
    db.session.add(user)
    return user


@pytest.fixture
def world(app, password_hash):
    """A county > street > two communities (A: two grids; B: one grid) with buildings, a property company,
    one user per role in community A, a colleague (a second mediator of A, on no case unless a test puts them
    on one) and an outsider (mediator and grid worker) in community B."""
    with app.app_context():
        ids = build_world(password_hash)
        db.session.remove()
    return ids


def build_world(password_hash):
    """The rows of the ``world`` fixture, committed (inside an app context); returns their ids."""
    county = make_unit(None, "county", "清溪县", "T")
    street = make_unit(county, "street", "舞阳街道", "T-WY")
    community_a = make_unit(street, "community", "回龙社区", "T-HL")
    grid_a1 = make_unit(community_a, "grid", "回龙第一网格", "T-HL-1")
    grid_a2 = make_unit(community_a, "grid", "回龙第二网格", "T-HL-2")
    community_b = make_unit(street, "community", "东湖社区", "T-DH")
    grid_b1 = make_unit(community_b, "grid", "东湖第一网格", "T-DH-1")
    building = Building(grid=grid_a1, name="3幢", entrances=2, households=48)
    property_company = HandlingUnit(org_unit=community_a, kind="property_company", name="安居物业")
    db.session.add_all([building, property_company])
    users = {
        "admin": make_user("13900000001", "陈管理", [Role.admin], street, password_hash),
        "mediator": make_user("13900000002", "王调解", [Role.mediator], community_a, password_hash),
        "grid_worker": make_user("13900000003", "李网格", [Role.grid_worker], grid_a1, password_hash),
        "handler": make_user(
            "13900000004", "周物业", [Role.handler], community_a, password_hash, handling_unit=property_company
        ),
        "coordinator": make_user("13900000005", "赵协调", [Role.coordinator], community_a, password_hash),
        "volunteer": make_user("13900000006", "孙志愿", [Role.volunteer], grid_a2, password_hash),
        "outsider": make_user("13900000007", "刘外来", [Role.mediator, Role.grid_worker], community_b, password_hash),
        "colleague": make_user("13900000008", "吴同事", [Role.mediator], community_a, password_hash),
    }
    db.session.commit()
    return SimpleNamespace(
        county=county.id,
        street=street.id,
        community_a=community_a.id,
        grid_a1=grid_a1.id,
        grid_a2=grid_a2.id,
        community_b=community_b.id,
        grid_b1=grid_b1.id,
        building=building.id,
        property_company=property_company.id,
        users={role: u.id for role, u in users.items()},
        phones={role: u.phone for role, u in users.items()},
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app, client, world):
    """``login_as(role)`` logs the client in as that role's user (``anonymous`` logs out)."""

    def login(role, target_client=None):
        target = target_client or client
        if role == "anonymous":
            with target.session_transaction() as sess:
                sess.clear()
            return None
        # a live session, as the login form opens one (app.core.operations.start_session), and what Flask-Login
        # then keeps in the cookie
        from app.core.operations import start_session

        with app.test_request_context():
            value = start_session(db.session.get(User, world.users[role]))
            db.session.commit()
            db.session.remove()
        from flask_login.utils import _create_identifier

        with app.test_request_context(environ_base=target.environ_base):
            identifier = _create_identifier()
        with target.session_transaction() as sess:
            sess["_user_id"] = value
            sess["_fresh"] = True
            sess["_id"] = identifier
        return world.users[role]

    return login


def page_text(response):
    """The visible text of an HTML response, tags removed and whitespace folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def output_dir(request):
    """A folder under test-output/ named after the test, for screenshots and downloads."""
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-output", name)
    os.makedirs(path, exist_ok=True)
    return path


def translated(app, message, locale="zh_CN", **params):
    """The catalog's text for ``message`` in ``locale``; fails when the message is not translated."""
    from flask_babel import force_locale, gettext

    from app.core.i18n import as_locale

    with app.test_request_context():
        with force_locale(as_locale(locale)):
            text = gettext(message, **params)
    if locale != "en":
        assert text != message % params if params else text != message, f"not translated to {locale}: {message!r}"
    return text


def database_rows():
    """Every row of every table, in primary key order (inside an app context): compare two of these to
    prove that a request changed nothing, not even a column of a row."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def empty_tables():
    """Delete every row of every table (inside an app context)."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def put_back(rows):
    """Empty every table and insert ``rows`` (a database_rows()) again, with their ids: a world built once
    through the real operations, restored before each test in a few milliseconds."""
    db.session.remove()
    empty_tables()
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), [row._asdict() for row in rows[table.name]])


def changed_tables(before, after):
    """The tables whose rows differ between two database_rows(), with their row counts before and after."""
    return {name: (len(before[name]), len(after[name])) for name in before if before[name] != after[name]}


def statement_counter(engine):
    """``with counter() as statements:`` collects every SQL statement sent through ``engine`` while the block
    runs (``len(statements)`` is their number)."""

    @contextmanager
    def counting():
        statements = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` collects every SQL statement sent through ``db.engine`` while
    the block runs (``len(statements)`` is their number)."""
    with app.app_context():
        return statement_counter(db.engine)


def search(client, url, **values):
    """POST a list's filter form (``values``) as the page's search does, and return the URL it redirects to: the
    list with ``?search=<token>``, the filters kept in the session (app.core.searches)."""
    response = client.post(url, data=values)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]
