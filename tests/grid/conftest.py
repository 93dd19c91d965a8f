"""Grid work's own people, close to the world's but not allowed: a handler of another unit of community A and
a grid worker of grid A2 (login_as("other_handler"), login_as("other_worker"))."""

import pytest

from app.core.models import Building, HandlingUnit, OrgUnit
from app.extensions import db
from tests.conftest import make_user


@pytest.fixture
def neighbours(app, world, password_hash):
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        power = HandlingUnit(org_unit=community, kind="utility", name="回龙供电所")
        db.session.add_all([power, Building(grid_id=world.grid_a2, name="7幢")])
        other_handler = make_user("13900000011", "钱供电", ["handler"], community, password_hash, handling_unit=power)
        other_worker = make_user(
            "13900000012", "郑网格", ["grid_worker"], db.session.get(OrgUnit, world.grid_a2), password_hash
        )
        db.session.commit()
        world.users.update(other_handler=other_handler.id, other_worker=other_worker.id)
        world.power_company = power.id
        db.session.remove()
    return world
