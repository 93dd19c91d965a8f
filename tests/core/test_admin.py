"""Admin pages: the organisation tree, buildings, handling units, users."""

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, Building, HandlingUnit, OrgUnit, User
from app.extensions import db
from tests.conftest import PASSWORD, page_text, translated


def test_tree_page_shows_the_tree(client, login_as, world):
    login_as("admin")
    text = page_text(client.get("/admin/units"))
    for name in ("舞阳街道", "回龙社区", "回龙第一网格", "东湖社区"):
        assert name in text
    assert "清溪县" not in text  # above the admin's own unit


def test_add_grid_under_community_and_building_under_grid(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        f"/admin/units/{world.community_a}/new", data={"kind": "grid", "name": "回龙第三网格", "code": "T-HL-3"}
    )
    assert response.status_code == 302
    with app.app_context():
        grid = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "回龙第三网格"))
        community = db.session.get(OrgUnit, world.community_a)
        assert grid.parent_id == world.community_a and grid.path == f"{community.path}{grid.id}/"
        grid_id = grid.id
    response = client.post(
        f"/admin/grids/{grid_id}/buildings/new",
        data={"name": "16幢", "address": "回龙路16号", "entrances": "3", "households": "72"},
    )
    assert response.status_code == 302
    assert "16幢" in page_text(client.get(f"/admin/grids/{grid_id}/buildings"))
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["org_unit.created", "building.created"]


def test_kind_must_fit_the_tree(app, client, login_as, world):
    login_as("admin")
    response = client.post(f"/admin/units/{world.community_a}/new", data={"kind": "street", "name": "乱放"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert "乱放" in response.get_data(as_text=True)  # what was typed is kept
    assert client.get(f"/admin/units/{world.grid_a1}/new").status_code == 404  # nothing goes below a grid


def test_duplicate_code_and_building_are_refused(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        f"/admin/units/{world.community_a}/new", data={"kind": "grid", "name": "X", "code": "T-HL-1"}
    )
    assert translated(app, "This code is already used by another unit.") in page_text(response)
    response = client.post(f"/admin/grids/{world.grid_a1}/buildings/new", data={"name": "3幢"})
    assert translated(app, "This grid already has a building with that name.") in page_text(response)
    response = client.post(f"/admin/grids/{world.grid_a1}/buildings/new", data={"name": "4幢", "entrances": "abc"})
    assert response.status_code == 200 and 'value="4幢"' in response.get_data(as_text=True)


def test_admin_cannot_reach_units_outside_their_scope(client, login_as, world):
    login_as("admin")
    assert client.get(f"/admin/units/{world.county}/edit").status_code == 404


def test_handling_unit_crud(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        "/admin/handling-units/new",
        data={
            "name": "舞阳派出所",
            "kind": "police_station",
            "org_unit_id": str(world.street),
            "contact_name": "吴警官",
            "contact_phone": "0572-1234567",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(HandlingUnit).where(HandlingUnit.name == "舞阳派出所"))
        assert unit.org_unit_id == world.street and unit.active
        unit_id = unit.id
    client.post(
        f"/admin/handling-units/{unit_id}/edit",
        data={"name": "舞阳派出所", "kind": "police_station", "org_unit_id": str(world.street)},
    )
    with app.app_context():
        assert not db.session.get(HandlingUnit, unit_id).active
    assert "舞阳派出所" in page_text(client.get("/admin/handling-units"))


def test_create_user_with_several_roles(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "phone": "137 0000 0009",
            "name": "钱新人",
            "password": "start-1234",
            "roles": ["grid_worker", "volunteer"],
            "org_unit_id": str(world.grid_a2),
            "handling_unit_id": "0",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "13700000009"))
        assert {str(r) for r in user.roles} == {"grid_worker", "volunteer"}
        assert user.org_unit_id == world.grid_a2 and user.check_password("start-1234")
        assert user.password_hash.startswith("scrypt:")  # Werkzeug's default
    fresh = app.test_client()
    assert fresh.post("/login", data={"phone": "13700000009", "password": "start-1234"}).status_code == 302


def test_create_user_errors_keep_input(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "phone": world.phones["mediator"],
            "name": "重复",
            "password": "start-1234",
            "roles": ["mediator"],
            "org_unit_id": str(world.community_a),
            "handling_unit_id": "0",
        },
    )
    assert translated(app, "A user with this mobile number already exists.") in page_text(response)
    html = response.get_data(as_text=True)
    assert 'value="重复"' in html
    response = client.post(
        "/admin/users/new",
        data={
            "phone": "2380000000",
            "name": "坏号码",
            "password": "1234",
            "roles": [],
            "org_unit_id": str(world.community_a),
            "handling_unit_id": "0",
        },
    )
    text = page_text(response)
    assert translated(app, "Enter an 11-digit mainland mobile number, e.g. 13800138000.") in text
    assert translated(app, "Choose at least one role.") in text
    assert translated(app, "Use at least %(n)s characters.", n=10) in text


def test_deactivate_user_ends_their_session(app, client, login_as, world):
    victim = app.test_client()
    login_as("volunteer", victim)
    assert victim.get("/volunteers/").status_code == 200
    login_as("admin")
    response = client.post(
        f"/admin/users/{world.users['volunteer']}/edit",
        data={"name": "孙志愿", "roles": ["volunteer"], "org_unit_id": str(world.grid_a2), "handling_unit_id": "0"},
    )
    assert response.status_code == 302
    assert victim.get("/volunteers/").status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.updated"))
        assert entry.data["active"] == [True, False]


def test_admin_cannot_lock_themselves_out(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        f"/admin/users/{world.users['admin']}/edit",
        data={
            "name": "陈管理",
            "roles": ["mediator"],
            "org_unit_id": str(world.street),
            "handling_unit_id": "0",
            "active": "y",
        },
    )
    assert translated(app, "You cannot remove your own administrator role.") in page_text(response)
    with app.app_context():
        assert db.session.get(User, world.users["admin"]).has_role("admin")


def test_reset_password(app, client, login_as, world):
    login_as("admin")
    url = f"/admin/users/{world.users['handler']}/password"
    response = client.post(url, data={"new_password": "reset-9876", "confirm": "reset-9876"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, world.users["handler"])
        assert user.check_password("reset-9876") and not user.check_password(PASSWORD)
    response = client.post(url, data={"new_password": "x", "confirm": "y"})
    assert response.status_code == 200
    assert translated(app, "The two passwords do not match.") in page_text(response)


def test_user_search(client, login_as, world):
    login_as("admin")
    text = page_text(client.get("/admin/users?q=0003", follow_redirects=True))
    assert "李网格" in text and "王调解" not in text


def test_building_list_of_grid(app, client, login_as, world):
    login_as("admin")
    with app.app_context():
        building = db.session.get(Building, world.building)
        assert building.grid_id == world.grid_a1
    response = client.post(f"/admin/buildings/{world.building}/edit", data={"name": "3幢", "households": "50"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Building, world.building).households == 50


def row_counts(app):
    """How many rows the admin pages could have written to, table by table."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (AuditEntry, User, OrgUnit, Building, HandlingUnit)
        }


def test_create_user_inactive_with_home_building_is_stored_and_audited(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "phone": "13700000010",
            "name": "吴未启用",
            "password": "start-1234",
            "roles": ["mediator"],
            "org_unit_id": str(world.community_a),
            "handling_unit_id": "0",
            "home_building_id": str(world.building),
        },
    )
    assert response.status_code == 302  # "active" unticked: not sent at all
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "13700000010"))
        assert not user.active and user.home_building_id == world.building
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
        assert (entry.target_type, entry.target_id, entry.actor_id) == ("users", user.id, world.users["admin"])
        assert entry.data["active"] is False and entry.data["home_building_id"] == world.building
        assert entry.data["roles"] == ["mediator"] and entry.data["org_unit_id"] == world.community_a


def add_building(app, world, name):
    with app.app_context():
        building = Building(grid_id=world.grid_a1, name=name)
        db.session.add(building)
        db.session.commit()
        return building.id


# (url and form data, the refusal's message, what was typed and comes back, a check that nothing changed)
REFUSED_FORMS = {
    "new unit, code in use": (
        lambda w: (f"/admin/units/{w.community_a}/new", {"kind": "grid", "name": "回龙第九网格", "code": "T-HL-1"}),
        "This code is already used by another unit.",
        'value="回龙第九网格"',
        None,
    ),
    "edit unit, code in use": (
        lambda w: (f"/admin/units/{w.grid_a2}/edit", {"kind": "grid", "name": "回龙改名网格", "code": "T-HL-1"}),
        "This code is already used by another unit.",
        'value="回龙改名网格"',
        lambda w: db.session.get(OrgUnit, w.grid_a2).name == "回龙第二网格",
    ),
    "new building, name in use": (
        lambda w: (f"/admin/grids/{w.grid_a1}/buildings/new", {"name": "3幢", "address": "回龙路3号乙"}),
        "This grid already has a building with that name.",
        'value="回龙路3号乙"',
        None,
    ),
    "edit building, name in use": (
        lambda w: (f"/admin/buildings/{w.other_building}/edit", {"name": "3幢", "households": "77"}),
        "This grid already has a building with that name.",
        'value="77"',
        lambda w: db.session.get(Building, w.other_building).name == "5幢",
    ),
    "new user, phone in use": (
        lambda w: (
            "/admin/users/new",
            {
                "phone": w.phones["mediator"],
                "name": "重复号码",
                "password": "start-1234",
                "roles": ["mediator"],
                "org_unit_id": str(w.community_a),
                "handling_unit_id": "0",
                "home_building_id": str(w.building),
            },
        ),
        "A user with this mobile number already exists.",
        'value="重复号码"',
        None,
    ),
    "edit own user, admin role removed": (
        lambda w: (
            f"/admin/users/{w.users['admin']}/edit",
            {
                "name": "陈改名",
                "roles": ["mediator"],
                "org_unit_id": str(w.street),
                "handling_unit_id": "0",
                "active": "y",
            },
        ),
        "You cannot remove your own administrator role.",
        'value="陈改名"',
        lambda w: db.session.get(User, w.users["admin"]).name == "陈管理",
    ),
    "edit own user, deactivated": (
        lambda w: (
            f"/admin/users/{w.users['admin']}/edit",
            {"name": "陈停用", "roles": ["admin"], "org_unit_id": str(w.street), "handling_unit_id": "0"},
        ),
        "You cannot deactivate your own account.",
        'value="陈停用"',
        lambda w: db.session.get(User, w.users["admin"]).active,
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_FORMS))
def test_refusals_come_back_on_the_form_and_write_nothing(app, client, login_as, world, case):
    request, message, typed, unchanged = REFUSED_FORMS[case]
    world.other_building = add_building(app, world, "5幢")
    url, data = request(world)
    login_as("admin")
    before = row_counts(app)
    response = client.post(url, data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert translated(app, message) in page_text(response)
    assert "has-error" in html  # next to its field
    assert typed in html
    assert row_counts(app) == before
    if unchanged is not None:
        with app.app_context():
            assert unchanged(world)


# Valid changes, each of which an admin could make (and each would write an audit entry).
ADMIN_POSTS = {
    "new unit": lambda w: (f"/admin/units/{w.community_a}/new", {"kind": "grid", "name": "闯入网格"}),
    "edit unit": lambda w: (f"/admin/units/{w.grid_a2}/edit", {"kind": "grid", "name": "闯入改名"}),
    "new building": lambda w: (f"/admin/grids/{w.grid_a1}/buildings/new", {"name": "99幢"}),
    "edit building": lambda w: (f"/admin/buildings/{w.building}/edit", {"name": "3幢", "households": "1"}),
    "new handling unit": lambda w: (
        "/admin/handling-units/new",
        {"name": "闯入单位", "kind": "police_station", "org_unit_id": str(w.street), "active": "y"},
    ),
    "edit handling unit": lambda w: (
        f"/admin/handling-units/{w.property_company}/edit",
        {"name": "改名物业", "kind": "property_company", "org_unit_id": str(w.community_a)},
    ),
    "new user": lambda w: (
        "/admin/users/new",
        {
            "phone": "13700000013",
            "name": "闯入者",
            "password": "start-1234",
            "roles": ["admin"],
            "org_unit_id": str(w.street),
            "handling_unit_id": "0",
            "active": "y",
        },
    ),
    "edit user": lambda w: (
        f"/admin/users/{w.users['volunteer']}/edit",
        {"name": "孙志愿", "roles": ["admin"], "org_unit_id": str(w.street), "handling_unit_id": "0", "active": "y"},
    ),
    "reset password": lambda w: (
        f"/admin/users/{w.users['handler']}/password",
        {"new_password": "taken-over-1", "confirm": "taken-over-1"},
    ),
}


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("mediator", 403), ("volunteer", 403), ("outsider", 403)])
@pytest.mark.parametrize("post", list(ADMIN_POSTS))
def test_refused_posts_of_non_admins_change_nothing(app, client, login_as, world, post, role, status):
    url, data = ADMIN_POSTS[post](world)
    login_as(role)
    before = row_counts(app)
    assert client.post(url, data=data).status_code == status
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.get(OrgUnit, world.grid_a2).name == "回龙第二网格"
        assert db.session.get(HandlingUnit, world.property_company).name == "安居物业"
        assert db.session.get(Building, world.building).households == 48
        assert db.session.get(User, world.users["handler"]).check_password(PASSWORD)
        assert not db.session.get(User, world.users["volunteer"]).has_role("admin")


def test_the_same_posts_by_an_admin_write_an_audit_entry_each(app, client, login_as, world):
    """The counterpart of the test above: each of those requests does change something when allowed."""
    login_as("admin")
    for post, request in ADMIN_POSTS.items():
        url, data = request(world)
        before = row_counts(app)["audit_entries"]
        assert client.post(url, data=data).status_code == 302, post
        assert row_counts(app)["audit_entries"] == before + 1, post
