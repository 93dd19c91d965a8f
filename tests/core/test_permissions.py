"""The named access rules and the scoped query helper."""

from sqlalchemy import select

from app.core import permissions, queries
from app.core.models import HandlingUnit, OrgUnit, User
from app.extensions import db


def load(world):
    users = {role: db.session.get(User, uid) for role, uid in world.users.items()}
    units = {
        name: db.session.get(OrgUnit, getattr(world, name))
        for name in ("county", "street", "community_a", "grid_a1", "grid_a2", "community_b", "grid_b1")
    }
    return users, units


def test_roles(app, world):
    with app.app_context():
        users, _ = load(world)
        assert permissions.is_admin(users["admin"])
        assert not permissions.is_admin(users["mediator"])
        assert permissions.has_role(users["outsider"], "grid_worker")
        assert permissions.has_role(users["outsider"], "mediator", "admin")
        assert not permissions.has_role(users["volunteer"], "mediator")
        assert not permissions.has_role(None, "admin")


def test_unit_scope_follows_the_tree(app, world):
    with app.app_context():
        users, units = load(world)
        admin, mediator, grid_worker, outsider = (users[r] for r in ("admin", "mediator", "grid_worker", "outsider"))
        assert permissions.unit_in_scope(admin, units["grid_b1"])  # street admin sees both communities
        assert not permissions.unit_in_scope(admin, units["county"])  # but not above
        assert permissions.unit_in_scope(mediator, units["grid_a2"])
        assert not permissions.unit_in_scope(mediator, units["grid_b1"])
        assert permissions.unit_in_scope(grid_worker, units["grid_a1"])
        assert not permissions.unit_in_scope(grid_worker, units["grid_a2"])
        assert permissions.same_community(grid_worker, units["grid_a2"])
        assert not permissions.same_community(outsider, units["grid_a1"])
        assert permissions.same_grid(grid_worker, units["grid_a1"])
        assert not permissions.same_grid(mediator, units["grid_a1"])  # not attached to a grid


def test_scope_query_lists_only_what_the_user_may_see(app, world):
    with app.app_context():
        users, units = load(world)
        query = select(OrgUnit.name).order_by(OrgUnit.id)
        assert db.session.scalars(queries.scope_query(query, OrgUnit.id, users["mediator"])).all() == [
            "回龙社区",
            "回龙第一网格",
            "回龙第二网格",
        ]
        assert db.session.scalars(queries.scope_query(query, OrgUnit.id, users["outsider"])).all() == [
            "东湖社区",
            "东湖第一网格",
        ]
        assert len(db.session.scalars(queries.scope_query(query, OrgUnit.id, users["admin"])).all()) == 6
        hu = select(HandlingUnit.name)
        assert db.session.scalars(queries.scope_query(hu, HandlingUnit.org_unit_id, users["mediator"])).all() == [
            "安居物业"
        ]
        assert db.session.scalars(queries.scope_query(hu, HandlingUnit.org_unit_id, users["outsider"])).all() == []


def test_scope_query_is_not_fooled_by_similar_paths(app, world):
    """/1/2/3/ must not match /1/2/30/: paths end with a slash."""
    with app.app_context():
        users, units = load(world)
        parent = units["community_a"]
        for i in range(12):
            unit = OrgUnit(parent=parent, kind="grid", name=f"extra {i}")
            db.session.add(unit)
            db.session.flush()
            unit.path = parent.path + f"{unit.id}/"
        db.session.commit()
        grid_worker = users["grid_worker"]
        visible = db.session.scalars(queries.scope_query(select(OrgUnit.id), OrgUnit.id, grid_worker)).all()
        assert visible == [units["grid_a1"].id]


def test_model_can_edit_rules(app, world):
    with app.app_context():
        users, units = load(world)
        assert units["community_b"].can_edit(users["admin"])
        assert not units["community_b"].can_edit(users["outsider"])
        assert users["volunteer"].can_edit(users["admin"])
        assert not users["admin"].can_edit(users["mediator"])
