"""Demo categories and work orders of 回龙社区, in every state of the loop, through the same operations as the
forms (the clocks of two of them are moved back, so that the overdue board has something to show).

All people are fictional; the photos are plain coloured pictures drawn here.
"""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.extensions import db
from app.grid import operations as ops
from app.grid.models import ResponseLevel

# name, group, default level, default unit (its name starts so), order
CATEGORIES = [
    ("安全隐患", "安全", ResponseLevel.two_hours, "清溪安居物业", 10),
    ("矛盾纠纷", "平安", ResponseLevel.one_day, None, 20),
    ("环境卫生", "环境", ResponseLevel.three_days, "清溪安居物业", 30),
    ("设施损坏", "设施", ResponseLevel.three_days, "清溪安居物业", 40),
    ("治安问题", "平安", ResponseLevel.one_day, "舞阳派出所", 50),
    ("居民诉求", "服务", ResponseLevel.seven_days, None, 60),
    ("其他", "服务", ResponseLevel.seven_days, None, 70),
]

# the categories whose orders may become mediation cases
DISPUTES = {"矛盾纠纷"}


def _user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def _unit(code):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _handling_unit(prefix):
    return db.session.scalar(select(HandlingUnit).where(HandlingUnit.name.startswith(prefix)))


def _building(grid, name):
    return db.session.scalar(select(Building).where(Building.grid_id == grid.id, Building.name == name))


def _photo(colour, name):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    out.seek(0)
    return FileStorage(out, filename=name, content_type="image/jpeg")


def load_categories():
    street = _unit("QX-WY")
    for name, group, level, unit_prefix, order in CATEGORIES:
        unit = _handling_unit(unit_prefix) if unit_prefix else None
        ops.save_category(
            None,
            street,
            {
                "name": name,
                "group_name": group,
                "sort_order": order,
                "default_level": level,
                "default_unit": unit,
                "is_dispute": name in DISPUTES,
            },
        )


def _category(name):
    from app.grid.models import Category

    return db.session.scalar(select(Category).where(Category.name == name))


def _report(category, building, room, description, level=None):
    worker = _user("13800000003")
    return ops.report_order(
        worker,
        {
            "category": _category(category),
            "building": building,
            "room": room,
            "description": description,
            "level": level,
        },
        [_photo((180, 120, 90), "report.jpg")],
    )


def _back(order, hours):
    """Move an order's clocks ``hours`` back (demo only: an order dispatched yesterday)."""
    for name in ("reported_at", "dispatched_at", "sign_due_at", "due_at", "signed_at", "started_at"):
        value = getattr(order, name)
        if value is not None:
            setattr(order, name, value - timedelta(hours=hours))


def load_orders():
    admin, handler, worker = _user("13800000001"), _user("13800000004"), _user("13800000003")
    grid = _unit("QX-WY-HL-01")
    building = _building(grid, "3幢")
    company = _handling_unit("清溪安居物业")

    _report("环境卫生", building, "2单元", "3幢2单元楼道堆放大量纸箱杂物，堵塞消防通道。")

    returned = _report("设施损坏", building, "1单元", "1单元门禁损坏，陌生人可随意进出。")
    ops.dispatch(admin, returned, _handling_unit("舞阳街道城建办"))
    ops.return_order(_user("13800000001"), returned, "门禁属于物业管理范围，请转物业。")

    overdue = _report("安全隐患", building, None, "3幢东侧路灯不亮，夜间行人摔倒过。", ResponseLevel.one_day)
    ops.dispatch(admin, overdue, company)
    ops.sign(handler, overdue)
    _back(overdue, 30)

    late_sign = _report("设施损坏", building, "4单元", "4单元电梯按钮失灵。", ResponseLevel.two_hours)
    ops.dispatch(admin, late_sign, company)
    _back(late_sign, 3)

    replied = _report("环境卫生", building, None, "垃圾分类点异味严重，垃圾桶满溢。")
    ops.dispatch(admin, replied, company)
    ops.sign(handler, replied)
    ops.start(handler, replied)
    ops.reply(handler, replied, "已清运垃圾并对垃圾桶消毒，增加一次清运频次。", _photo((90, 160, 90), "after.jpg"))

    closed = _report("设施损坏", building, "2单元", "2单元楼道灯不亮。")
    ops.dispatch(admin, closed, company)
    ops.sign(handler, closed)
    ops.reply(handler, closed, "已更换楼道灯。", _photo((220, 220, 120), "after.jpg"))
    ops.verify(admin, closed, "satisfied", "phone", "居民表示满意。")
    ops.close(admin, closed)

    settled = _report("矛盾纠纷", building, "302", "302与402因晾衣滴水发生口角。")
    ops.settle_on_spot(
        worker, settled, "网格员上门调和，402加装接水槽，双方和好。", _photo((120, 150, 200), "after.jpg")
    )
    db.session.flush()


def demo_steps():
    return [load_categories, load_orders]
