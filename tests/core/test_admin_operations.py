"""The operations behind the admin and account pages, tested without HTTP: each one owns its rule and writes
its audit entry."""

import pytest
from sqlalchemy import select

from app.core import operations
from app.core.models import AuditEntry, Building, OrgUnit, User
from app.core.operations import DomainError
from app.extensions import db


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.rollback()


def entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_create_user_stores_and_audits_active_and_home_building(world, ctx):
    admin = db.session.get(User, world.users["admin"])
    grid = db.session.get(OrgUnit, world.grid_a1)
    building = db.session.get(Building, world.building)
    user = operations.create_user(
        admin, "13700000011", " 钱新人 ", "start-1234", ["volunteer"], grid, active=False, home_building=building
    )
    assert user.name == "钱新人" and not user.active and user.home_building_id == world.building
    [entry] = entries("user.created")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "users", user.id)
    assert entry.data["active"] is False and entry.data["home_building_id"] == world.building
    assert entry.data["roles"] == ["volunteer"] and entry.data["org_unit_id"] == world.grid_a1
    assert entry.data["handling_unit_id"] is None


def test_create_user_defaults_to_an_active_user_without_a_home(world, ctx):
    grid = db.session.get(OrgUnit, world.grid_a2)
    user = operations.create_user(None, "13700000012", "周默认", "start-1234", ["volunteer"], grid)
    assert user.active and user.home_building is None
    [entry] = entries("user.created")
    assert entry.actor_id is None and entry.data["active"] is True and entry.data["home_building_id"] is None


def test_create_user_refuses_a_phone_in_use_and_writes_nothing(world, ctx):
    grid = db.session.get(OrgUnit, world.grid_a2)
    with pytest.raises(DomainError) as error:
        operations.create_user(None, world.phones["mediator"], "重复", "start-1234", ["volunteer"], grid)
    assert error.value.field == "phone"
    assert entries("user.created") == []


def test_update_account_audits_what_changed(world, ctx):
    user = db.session.get(User, world.users["volunteer"])
    operations.update_account(user, " 孙小愿 ", "en")
    assert (user.name, user.locale) == ("孙小愿", "en")
    [entry] = entries("user.account_updated")
    assert (entry.actor_id, entry.target_id) == (user.id, user.id)
    assert entry.data == {"name": ["孙志愿", "孙小愿"], "locale": [None, "en"]}


def test_update_account_without_a_change_writes_no_entry(world, ctx):
    user = db.session.get(User, world.users["volunteer"])
    operations.update_account(user, "孙志愿", None)
    assert entries("user.account_updated") == []


def test_update_account_refuses_an_unknown_language(world, ctx):
    user = db.session.get(User, world.users["volunteer"])
    with pytest.raises(DomainError) as error:
        operations.update_account(user, "孙志愿", "fr")
    assert error.value.field == "locale" and user.locale is None
    assert entries("user.account_updated") == []


def test_update_user_refuses_to_lock_out_the_admin_before_writing(world, ctx):
    admin = db.session.get(User, world.users["admin"])
    with pytest.raises(DomainError) as error:
        operations.update_user(admin, admin, "陈管理", ["admin"], admin.org_unit, active=False)
    assert error.value.field == "active" and admin.active
    with pytest.raises(DomainError) as error:
        operations.update_user(admin, admin, "陈管理", ["mediator"], admin.org_unit)
    assert error.value.field == "roles" and admin.has_role("admin")
    assert entries("user.updated") == []


def test_unit_and_building_rules_refuse_before_writing(world, ctx):
    admin = db.session.get(User, world.users["admin"])
    community = db.session.get(OrgUnit, world.community_a)
    grid = db.session.get(OrgUnit, world.grid_a1)
    with pytest.raises(DomainError) as error:
        operations.create_unit(admin, community, "grid", "新网格", "T-HL-1")
    assert error.value.field == "code"
    with pytest.raises(DomainError) as error:
        operations.update_unit(admin, db.session.get(OrgUnit, world.grid_a2), "回龙第二网格", "T-HL-1")
    assert error.value.field == "code"
    with pytest.raises(DomainError) as error:
        operations.save_building(admin, grid, {"name": " 3幢 "})
    assert error.value.field == "name"
    with pytest.raises(DomainError):
        operations.save_building(admin, community, {"name": "1幢"})  # buildings belong to a grid
    assert db.session.scalars(select(AuditEntry)).all() == []
