"""Grid work's rows of the access matrix (tests/test_access_matrix.py).

The matrix's two stages are, for grid work: "registered", a work order just reported by the grid worker of
grid A1 (in the dispatch queue), and "agreement", one dispatched to the property company (to be signed for)."""

import io

from sqlalchemy import select

from app.extensions import db
from app.grid.models import OrderPhoto
from tests.access_support import ADMIN, CHANGED, LOGGED_IN, REFUSED_BY_STATE, Row, answers, page, same_at_both_stages
from tests.grid.factories import jpeg_bytes, make_category, make_order

ORDER_STAGES = {"registered": "reported", "agreement": "dispatched"}
STAFF = ["admin"]
HANDLER = ["handler"]
WORKERS = ["grid_worker", "outsider"]  # the outsider is a grid worker of community B


def build(app, world):
    """A category of community A and an order at each stage, with their photos."""
    world.grid_category = make_category(app, world)
    world.orders = {stage: make_order(app, world, upto=upto) for stage, upto in ORDER_STAGES.items()}
    with app.app_context():
        from app.grid.models import WorkOrder

        world.order_numbers = {
            stage: db.session.get(WorkOrder, order_id).number for stage, order_id in world.orders.items()
        }
        world.order_photos = {
            stage: db.session.scalar(select(OrderPhoto.id).where(OrderPhoto.order_id == order_id))
            for stage, order_id in world.orders.items()
        }
        db.session.remove()
    # an Open311 API key of community A (the key itself is known to the test only)
    with app.app_context():
        from app.core.models import OrgUnit
        from app.grid.operations import create_api_key

        row, world.api_key = create_api_key(None, db.session.get(OrgUnit, world.community_a), "社区小程序")
        db.session.commit()
        world.api_key_id = row.id
        db.session.remove()


def url_args(world, stage):
    return {
        "order_id": world.orders[stage],
        "photo_id": world.order_photos[stage],
        "category_id": world.grid_category,
        "key_id": world.api_key_id,
        "fmt": "json",
        "service_code": str(world.grid_category),
        "service_request_id": world.orders[stage],
    }


def report(world, stage):
    return {
        "photos": (io.BytesIO(jpeg_bytes()), "broken.jpg"),
        "category_id": str(world.grid_category),
        "description": "3幢门口的井盖松动",
        "building_id": str(world.building),
        "room": "",
        "level": "",
    }


def category(world, stage):
    return {
        "name": "占道经营",
        "group_name": "市容",
        "sort_order": "5",
        "default_level": "one_day",
        "default_unit_id": "0",
    }


def result(world, stage):
    return {"result": "已处理完毕", "photo": (io.BytesIO(jpeg_bytes()), "after.jpg")}


DATA = {
    "grid.report": report,
    "grid.dispatch": lambda w, s: {"handling_unit_id": str(w.property_company), "level": "one_day"},
    "grid.sign": lambda w, s: {},
    "grid.return_order": lambda w, s: {"reason": "不属于本单位职责"},
    "grid.start": lambda w, s: {},
    "grid.reply": result,
    "grid.verify": lambda w, s: {"satisfaction": "satisfied", "method": "phone", "note": ""},
    "grid.close": lambda w, s: {},
    "grid.settle": result,
    "grid.supervise": lambda w, s: {"note": "请于今日内办结"},
    "grid.new_category": category,
    "grid.edit_category": category,
    "grid.new_api_key": lambda w, s: {"name": "物业报修应用", "org_unit_id": str(w.community_a)},
    "grid.revoke_api_key": lambda w, s: {},
    # a call registered by staff (来电登记) goes to the dispatch queue
    "grid.register_call": lambda w, s: {
        "caller_name": "钱大爷",
        "caller_phone": "13711112222",
        "category_id": str(w.grid_category),
        "description": "3幢楼道灯不亮",
        "building_id": str(w.building),
        "room": "",
        "level": "",
    },
    # merged into the order of the other stage (the same problem reported twice)
    "grid.merge": lambda w, s: {"target": w.order_numbers["agreement" if s == "registered" else "registered"]},
    "open311.requests": lambda w, s: {
        "api_key": w.api_key,
        "service_code": str(w.grid_category),
        "lat": "30.2741",
        "long": "120.1551",
        "description": "小区门口路灯不亮",
    },
}
# the Open311 API reads without a login (GeoReport v2: GET needs no key); a POST needs the api_key only
PUBLIC = {"roles": LOGGED_IN, "anonymous": 200}


def order_action(data, registered, agreement, get=None):
    """A form that changes an order of community A: (stage -> role -> outcome); the outsider does not learn the
    order exists (404) when their role may take the action at all."""
    post = {}
    for stage, outcomes in (("registered", registered), ("agreement", agreement)):
        post[stage] = answers(roles=[], **outcomes)
    return Row(get=get, post=post, data=data)


ROWS = {
    "grid.index": page(roles=["admin", "grid_worker", "handler", "outsider"]),
    "grid.orders": page(roles=["admin", "grid_worker", "handler", "outsider"]),
    # a grid worker reports in their own grid; the outsider's building list holds community B's buildings,
    # so a building of A is refused on the form (nothing saved)
    "grid.report": same_at_both_stages(
        page(roles=WORKERS).get, DATA["grid.report"], ok=302, roles=["grid_worker"], outsider=(200, False), changes=True
    ),
    # the report page's service worker: a script with nothing personal, fetched by the browser without asking
    # (also when the session has ended, to check for a new version)
    "grid.service_worker": page(roles=LOGGED_IN, anonymous=200),
    # an order's page: its community's staff, the grid worker of its grid (who reported it), and the unit it is
    # dispatched to; the outsider, a grid worker of another community, does not learn it exists
    "grid.show": page(roles=["admin", "grid_worker", "handler"], outsider=404),
    "grid.photo": page(roles=["admin", "grid_worker", "handler"], outsider=404),
    "grid.dispatch": order_action(
        DATA["grid.dispatch"], {"admin": CHANGED}, {"admin": REFUSED_BY_STATE}, get=answers(roles=STAFF)
    ),
    # the handler does not see a reported order (no unit yet): 404
    "grid.sign": order_action(DATA["grid.sign"], {"handler": 404}, {"handler": CHANGED}),
    "grid.return_order": order_action(
        DATA["grid.return_order"], {"handler": 404}, {"handler": CHANGED}, get=answers(roles=HANDLER)
    ),
    "grid.start": order_action(DATA["grid.start"], {"handler": 404}, {"handler": (302, False)}),
    "grid.reply": order_action(
        DATA["grid.reply"], {"handler": 404}, {"handler": REFUSED_BY_STATE}, get=answers(roles=HANDLER)
    ),
    "grid.verify": order_action(
        DATA["grid.verify"], {"admin": REFUSED_BY_STATE}, {"admin": REFUSED_BY_STATE}, get=answers(roles=STAFF)
    ),
    "grid.close": order_action(DATA["grid.close"], {"admin": (302, False)}, {"admin": (302, False)}),
    "grid.settle": order_action(
        DATA["grid.settle"],
        {"grid_worker": CHANGED, "outsider": 404},
        {"grid_worker": REFUSED_BY_STATE, "outsider": 404},
        get=answers(roles=["grid_worker"], outsider=404),
    ),
    "grid.supervise": order_action(
        DATA["grid.supervise"], {"admin": REFUSED_BY_STATE}, {"admin": REFUSED_BY_STATE}, get=answers(roles=STAFF)
    ),
    # the filters of a list need the list's name (``?list=``): without one, whoever may list orders gets 404
    "grid.filter_orders": page(roles=[], admin=404, grid_worker=404, handler=404, outsider=404),
    # an order by its number: without a number, back to the orders with a message
    "grid.find": page(roles=["admin", "grid_worker", "handler", "outsider"], ok=302),
    "grid.register_call": same_at_both_stages(
        page(roles=STAFF).get, DATA["grid.register_call"], ok=302, roles=STAFF, changes=True
    ),
    "grid.merge": order_action(DATA["grid.merge"], {"admin": CHANGED}, {"admin": CHANGED}, get=answers(roles=STAFF)),
    "grid.categories": page(roles=ADMIN),
    "grid.new_category": same_at_both_stages(
        page(roles=ADMIN).get, DATA["grid.new_category"], ok=302, roles=ADMIN, changes=True
    ),
    "grid.edit_category": same_at_both_stages(
        page(roles=ADMIN).get, DATA["grid.edit_category"], ok=302, roles=ADMIN, changes=True
    ),
    # figures: the community's staff (the street's admin), and a unit's handler for their own unit
    "grid.figures": page(roles=["admin", "handler"]),
    "grid.figures_xlsx": page(roles=["admin", "handler"]),
    # API keys: admins (the street's admin holds community A); the new key is shown on the answer, not redirected
    "grid.api_keys": page(roles=ADMIN),
    "grid.new_api_key": same_at_both_stages(
        page(roles=ADMIN).get, DATA["grid.new_api_key"], ok=200, roles=ADMIN, changes=True
    ),
    "grid.revoke_api_key": same_at_both_stages(None, DATA["grid.revoke_api_key"], ok=302, roles=ADMIN, changes=True),
    "open311.discovery": page(**PUBLIC),
    "open311.services": page(**PUBLIC),
    "open311.service_definition": page(**PUBLIC),
    "open311.service_request": page(**PUBLIC),
    # whoever is logged in or not, the key posts the request (201 Created)
    "open311.requests": same_at_both_stages(
        page(**PUBLIC).get, DATA["open311.requests"], ok=201, anonymous=201, changes=True
    ),
}
