"""Build grid categories and work orders through the real operations, up to a given stage."""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.core.models import Building, HandlingUnit, User
from app.extensions import db
from app.grid import operations as ops
from app.grid.models import Category, WorkOrder

STAGES = [
    "reported",
    "dispatched",
    "signed",
    "in_progress",
    "replied",
    "reopened",
    "verified",
    "closed",
    "settled",
    "overdue",
]


def jpeg_bytes(size=(64, 48), colour=(200, 100, 50), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def photo(name="photo.jpg", data=None):
    return FileStorage(io.BytesIO(data or jpeg_bytes()), filename=name, content_type="image/jpeg")


def make_category(app, world, name="设施损坏", level="three_days", unit="community_a"):
    """A category of the world's street (or ``unit``) with the property company as its default unit."""
    with app.app_context():
        from app.core.models import OrgUnit

        category = ops.save_category(
            None,
            db.session.get(OrgUnit, getattr(world, unit)),
            {
                "name": name,
                "group_name": "设施",
                "sort_order": 10,
                "default_level": level,
                "default_unit": db.session.get(HandlingUnit, world.property_company),
            },
        )
        db.session.commit()
        category_id = category.id
        db.session.remove()
    return category_id


def category_id(app, world):
    with app.app_context():
        found = db.session.scalar(select(Category.id).where(Category.name == "设施损坏"))
        db.session.remove()
    return found or make_category(app, world)


def make_order(app, world, upto="reported", level="one_day", reporter="grid_worker"):
    """An order reported by the world's grid worker in 3幢 of grid A1, taken through the loop up to ``upto``
    (one of STAGES; "overdue": signed for, with its clocks moved two days back)."""
    the_category = category_id(app, world)
    with app.app_context():
        user = {role: db.session.get(User, world.users[role]) for role in ("admin", "handler", reporter)}
        order = ops.report_order(
            user[reporter],
            {
                "category": db.session.get(Category, the_category),
                "building": db.session.get(Building, world.building),
                "room": "2单元301",
                "description": "楼道灯坏了，晚上漆黑一片",
                "level": level,
            },
            [photo("report.jpg")],
        )
        admin, handler = user["admin"], user["handler"]
        company = db.session.get(HandlingUnit, world.property_company)
        steps = STAGES.index(upto) if upto in STAGES[:8] else 0
        if upto == "settled":
            ops.settle_on_spot(user[reporter], order, "当场修好了", photo("after.jpg"))
        if upto == "overdue":
            ops.dispatch(admin, order, company)
            ops.sign(handler, order)
            for name in ("reported_at", "dispatched_at", "sign_due_at", "due_at", "signed_at"):
                setattr(order, name, getattr(order, name) - timedelta(days=2))
        if steps >= 1:
            ops.dispatch(admin, order, company)
        if steps >= 2:
            ops.sign(handler, order)
        if steps >= 3:
            ops.start(handler, order)
        if steps >= 4:
            ops.reply(handler, order, "已更换灯泡", photo("after.jpg"))
        if upto == "reopened":
            ops.verify(admin, order, "unsatisfied", "phone", "居民说还是不亮")
        if steps >= 6:
            ops.verify(admin, order, "satisfied", "phone")
        if steps >= 7:
            ops.close(admin, order)
        db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


def order_state(app, order_id):
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        state = (order.status, order.version)
        db.session.remove()
    return state
