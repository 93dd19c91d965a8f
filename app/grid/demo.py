"""Demo categories and work orders of 回龙社区, in every state of the loop, through the same operations as the
forms, each step at the time its story tells (``app.core.types.clock_at``): an order dispatched 30 hours ago has
its dispatch, deadlines and timeline 30 hours back, so that the overdue board has something to show and every
timeline reads as it happened.

All people are fictional; the photos are plain coloured pictures drawn here.
"""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.core.places import building_name
from app.core.types import clock_at, utcnow
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


def _then(moment, operation, *args, **kwargs):
    """Run an operation as if at ``moment``: the order's clocks (reported, dispatched, deadlines, signed, ...)
    and its timeline are the story's, not the moment the demo was loaded."""
    with clock_at(moment):
        result = operation(*args, **kwargs)
        db.session.flush()  # column defaults (times) are filled in now, on the story's clock
    return result


def load_orders():
    admin, handler, worker = _user("13800000001"), _user("13800000004"), _user("13800000003")
    grid = _unit("QX-WY-HL-01")
    building = _building(grid, building_name(3))
    company = _handling_unit("清溪安居物业")
    now = utcnow()

    def ago(days=0, hours=0, minutes=0):
        return now - timedelta(days=days, hours=hours, minutes=minutes)

    # reported 40 minutes ago, waiting for dispatch
    _then(
        ago(minutes=40),
        _report,
        "环境卫生",
        building,
        "2单元",
        building_name(3) + "2单元楼道堆放大量纸箱杂物，堵塞消防通道。",
    )

    # dispatched yesterday to the wrong unit, which returned it
    returned = _then(ago(hours=26), _report, "设施损坏", building, "1单元", "1单元门禁损坏，陌生人可随意进出。")
    _then(ago(hours=25, minutes=30), ops.dispatch, admin, returned, _handling_unit("舞阳街道城建办"))
    _then(ago(hours=23), ops.return_order, admin, returned, "门禁属于物业管理范围，请转物业。")

    # a one-day order dispatched 30 hours ago: past its deadline
    overdue = _then(
        ago(hours=31),
        _report,
        "安全隐患",
        building,
        None,
        building_name(3) + "东侧路灯不亮，夜间行人摔倒过。",
        ResponseLevel.one_day,
    )
    _then(ago(hours=30), ops.dispatch, admin, overdue, company)
    _then(ago(hours=29, minutes=20), ops.sign, handler, overdue)

    # a two-hour order dispatched three hours ago and not signed for (30 minutes to sign)
    late_sign = _then(
        ago(hours=3, minutes=10), _report, "设施损坏", building, "4单元", "4单元电梯按钮失灵。", ResponseLevel.two_hours
    )
    _then(ago(hours=3), ops.dispatch, admin, late_sign, company)

    # handled and replied this morning, waiting for the resident's verification
    replied = _then(ago(days=2), _report, "环境卫生", building, None, "垃圾分类点异味严重，垃圾桶满溢。")
    _then(ago(days=1, hours=23), ops.dispatch, admin, replied, company)
    _then(ago(days=1, hours=22), ops.sign, handler, replied)
    _then(ago(days=1, hours=21), ops.start, handler, replied)
    _then(
        ago(hours=20),
        ops.reply,
        handler,
        replied,
        "已清运垃圾并对垃圾桶消毒，增加一次清运频次。",
        _photo((90, 160, 90), "after.jpg"),
    )

    # the whole loop, over five days
    closed = _then(ago(days=5), _report, "设施损坏", building, "2单元", "2单元楼道灯不亮。")
    _then(ago(days=4, hours=23), ops.dispatch, admin, closed, company)
    _then(ago(days=4, hours=21), ops.sign, handler, closed)
    _then(ago(days=3, hours=2), ops.reply, handler, closed, "已更换楼道灯。", _photo((220, 220, 120), "after.jpg"))
    _then(ago(days=2, hours=4), ops.verify, admin, closed, "satisfied", "phone", "居民表示满意。")
    _then(ago(days=2, hours=3), ops.close, admin, closed)

    # settled on the spot by the grid worker
    settled = _then(ago(hours=4), _report, "矛盾纠纷", building, "302", "302与402因晾衣滴水发生口角。")
    _then(
        ago(hours=3, minutes=15),
        ops.settle_on_spot,
        worker,
        settled,
        "网格员上门调和，402加装接水槽，双方和好。",
        _photo((120, 150, 200), "after.jpg"),
    )
    db.session.flush()


def demo_steps():
    return [load_categories, load_orders]
