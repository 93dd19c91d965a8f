"""Grid work orders' data (app.grid): the categories of every community, a few more grid workers and handlers,
and ``ORDERS_PER_SCALE`` × scale work orders reported over the last two years, with their photos, timeline and
supervision notices for 1 in ``DETAIL_EVERY``.

An order's status follows its age, as the closed loop would have left it: the last hours' orders wait to be
dispatched or signed for, the last week's are being handled, replied to or verified, most older ones are closed
(some settled on the spot by the grid worker), and a few old ones are still open, long overdue. Some were
returned by a unit and dispatched again (or wait in the dispatch queue with the reason), some reopened because
the resident was unsatisfied, and some late ones got a supervision notice. Deadlines follow the response level
(the app's GRID_DEADLINE_MINUTES and GRID_SIGN_MINUTES), and every row satisfies the CHECK constraints of
app.grid.models (ORDER_CHECKS).

The order the benchmark opens, ``ctx.refs["grid_order"]``, was reported ``SHOWCASE_AGE`` days ago in the first
community and went through everything: returned and dispatched again, overdue and supervised, replied to,
reopened, replied to again, verified and closed, with its photos and a full timeline. A grid worker of its grid
is the one whose lists the benchmark opens (``ctx.refs["grid_worker"]``, ``worker_refs``).
"""

from datetime import timedelta
from functools import cache

from sqlalchemy import func, select, text

from bench.generate.core import (
    BATCH_SIZE,
    BUILDINGS_PER_GRID,
    GRIDS_PER_COMMUNITY,
    indexes_built_after,
    insert_rows,
    person_name,
)

ORDERS_PER_SCALE = 10  # scale 100,000 (a county) → 1,000,000 orders
ORDER_DAYS = 730  # orders were reported over the last two years, oldest first
DETAIL_EVERY = 10  # 1 order in 10 gets its photos, timeline and notices as rows
SHOWCASE_AGE = 30  # days: the order the bench opens was reported this long ago

# name, group, default level, default unit ("property": the community's property company; "police": the
# street's police station; None: chosen at dispatch), order, weight among the reports, descriptions
CATEGORIES = [
    (
        "安全隐患",
        "安全",
        "two_hours",
        "property",
        10,
        15,
        ["电动车在楼道充电，私拉飞线", "楼顶违规搭建彩钢棚，存在消防隐患", "小区东门井盖松动，有行人绊倒"],
    ),
    (
        "矛盾纠纷",
        "平安",
        "one_day",
        None,
        20,
        12,
        ["楼上楼下因漏水发生争吵", "邻里因占用公共过道发生口角", "租户与房东因押金退还发生争执"],
    ),
    (
        "环境卫生",
        "环境",
        "three_days",
        "property",
        30,
        25,
        ["垃圾分类点垃圾满溢，异味严重", "楼道堆放大量纸箱杂物，堵塞消防通道", "绿化带内有建筑垃圾未清运"],
    ),
    (
        "设施损坏",
        "设施",
        "three_days",
        "property",
        40,
        25,
        ["单元门禁损坏，陌生人随意进出", "楼道灯不亮，夜间漆黑一片", "电梯按钮失灵", "路灯不亮，夜间行人看不清路"],
    ),
    (
        "治安问题",
        "平安",
        "one_day",
        "police",
        50,
        6,
        ["夜间有人在小区内酗酒滋事", "车棚电动车电瓶被盗", "小区内发现可疑人员多次徘徊"],
    ),
    (
        "居民诉求",
        "服务",
        "seven_days",
        None,
        60,
        12,
        ["独居老人家中水管漏水，需要帮助维修", "居民反映小区停车位不足", "居民要求增设无障碍坡道"],
    ),
    ("其他", "服务", "seven_days", None, 70, 5, ["小区内流浪犬较多，居民担心被咬", "广场舞音量过大影响休息"]),
]
LEVELS = ["two_hours", "one_day", "three_days", "seven_days"]
# Where an order stands, by its age in days: young orders are open, old ones almost all closed.
OUTCOMES_BY_AGE = [
    (0.25, ["reported"] * 45 + ["dispatched"] * 35 + ["signed"] * 10 + ["in_progress"] * 7 + ["settled"] * 3),
    (
        1,
        ["reported"] * 12
        + ["dispatched"] * 15
        + ["signed"] * 15
        + ["in_progress"] * 30
        + ["replied"] * 12
        + ["settled"] * 6
        + ["closed"] * 10,
    ),
    (
        7,
        ["reported"] * 3
        + ["dispatched"] * 3
        + ["signed"] * 6
        + ["in_progress"] * 22
        + ["replied"] * 18
        + ["reopened"] * 3
        + ["verified"] * 8
        + ["settled"] * 7
        + ["closed"] * 30,
    ),
    (
        30,
        ["in_progress"] * 3 + ["replied"] * 4 + ["reopened"] * 1 + ["verified"] * 2 + ["settled"] * 8 + ["closed"] * 82,
    ),
    (None, ["in_progress"] * 3 + ["reopened"] * 1 + ["settled"] * 80 + ["closed"] * 916),
]
RETURN_RATE = 0.06  # orders returned once by a unit (退单)
START_RATE = 0.7  # replies that went through "in progress" first (the others were replied to at once)
LATE_REPLY_RATE = 0.15  # replies after the deadline ...
SUPERVISED_LATE_RATE = 0.4  # ... of which supervised before the reply; and open overdue orders supervised
REOPEN_RATE = 0.06  # replies the resident was unsatisfied with
PHONE_CALL_RATE = 0.1  # orders registered by staff from a resident's call (来电登记)
POSITION_RATE = 0.6  # reports with the phone's position
SATISFACTIONS = ["satisfied"] * 7 + ["basically_satisfied"] * 3
METHODS = ["phone"] * 6 + ["doorstep"] * 3 + ["on_site"]
RESULTS = [
    "已安排维修人员上门处理，现已修复",
    "已清理完毕，并加强日常巡查",
    "已联系相关方协商解决，双方达成一致",
    "已更换损坏部件，恢复正常使用",
]
SETTLED = ["网格员当场劝解，双方和好", "网格员现场清理完毕", "已当场联系业主处理"]
RETURN_REASONS = ["不属于本单位职责范围，请转物业", "地址不详，无法找到现场", "需由产权单位处理"]
NOTICES = ["已超期，请立即处理并回复", "请于今日内办结，并上传现场照片"]
# the shared handling units (bench.generate.core.handling_units makes them first, in this order)
SHARED_UNITS = ["utility", "government_department", "police_station", "township_office"]
# who gets an order without a default unit: the community's property company, or a shared unit
DISPATCH_TO = ["property"] * 5 + ["township_office"] * 3 + ["utility"] * 2 + ["government_department"]
HANDLERS_PER_SHARED_UNIT = 2


def at_least(value, floor):
    return value if value >= floor else floor


def grid_people(conn, scale, ctx):
    """A grid worker for every grid that has none (the core users are spread at random), and handlers for the
    shared handling units (the core users' handlers all work for property companies)."""
    roles, units = ctx.maps["user_roles"], ctx.maps["user_unit"]
    staffed = {units[user_id] for user_id, user_roles in roles.items() if "grid_worker" in user_roles}
    people = [(grid, ["grid_worker"], None) for grid in ctx.ids["grid"] if grid not in staffed]
    street = ctx.ids["street"][0]
    for unit_id in ctx.ids["handling_unit"][: len(SHARED_UNITS)]:
        people += [(street, ["handler"], unit_id)] * HANDLERS_PER_SHARED_UNIT
    rows = [
        {
            "phone": f"135{i:08d}",
            "name": person_name(ctx.rng),
            "password_hash": ctx.password_hash,
            "active": True,
            "org_unit_id": unit,
            "handling_unit_id": handling_unit,
            "locale": None,
            "login_token": f"bench-grid-{i:08d}",
            "created_at": ctx.now - timedelta(days=800),
            "last_login_at": None,
        }
        for i, (unit, _roles, handling_unit) in enumerate(people)
    ]
    ids = insert_rows(conn, ctx, "users", rows, returning_ids=True)
    insert_rows(
        conn,
        ctx,
        "user_roles",
        (
            {"user_id": user_id, "role": role}
            for user_id, (_u, user_roles, _h) in zip(ids, people, strict=True)
            for role in user_roles
        ),
    )
    handlers = ctx.maps.setdefault("unit_handlers", {})
    for user_id, (unit, user_roles, handling_unit) in zip(ids, people, strict=True):
        units[user_id], roles[user_id] = unit, user_roles
        if handling_unit is not None:
            handlers.setdefault(handling_unit, []).append(user_id)
    ctx.ids["user"].extend(ids)


def grid_categories(conn, scale, ctx):
    """The categories of every community (as app.grid.demo makes them), with their default units."""
    table = ctx.tables["grid_categories"]
    police = ctx.ids["handling_unit"][SHARED_UNITS.index("police_station")]
    specs, rows = [], []
    for community in ctx.ids["community"]:
        defaults = {"property": ctx.maps["property_company"][community], "police": police, None: None}
        for name, group, level, unit, order, weight, descriptions in CATEGORIES:
            row = {
                "org_unit_id": community,
                "name": name,
                "group_name": group,
                "sort_order": order,
                "default_level": level,
                "default_unit_id": defaults[unit],
                "active": True,
                "created_at": ctx.now - timedelta(days=ORDER_DAYS + 30),
            }
            if "is_dispute" in table.c:  # disputes may be turned into mediation cases
                row["is_dispute"] = name == "矛盾纠纷"
            rows.append(row)
            specs.append((community, name, level, defaults[unit], weight, descriptions))
    ids = insert_rows(conn, ctx, "grid_categories", rows, returning_ids=True)
    ctx.maps["grid_categories"] = {}
    for category_id, (community, name, level, unit, weight, descriptions) in zip(ids, specs, strict=True):
        category = {"id": category_id, "name": name, "level": level, "unit": unit, "descriptions": descriptions}
        ctx.maps["grid_categories"].setdefault(community, []).extend([category] * weight)


class OrderPlan:
    """One order being made: its row and, for an order with ``detail``, its photos, timeline and notices
    (without order_id yet). ``t`` is the time it has reached."""

    def __init__(self, row, detail, rich=False):
        self.row, self.detail, self.rich = row, detail, rich
        self.t = row["reported_at"]
        self.photos, self.events, self.notices = [], [], []


class OrderMaker:
    """Plans realistic orders: a place, a category, a reporter and a consistent history of times and statuses."""

    def __init__(self, conn, ctx):
        from flask import current_app

        from app.core import records
        from app.core.i18n import lazy_gettext

        self.ctx, self.rng = ctx, ctx.rng
        self.record, self.lazy = records.to_record, lazy_gettext
        self.deadline = current_app.config["GRID_DEADLINE_MINUTES"]
        self.sign_deadline = current_app.config["GRID_SIGN_MINUTES"]
        self.latest = ctx.now - timedelta(minutes=1)
        self.communities = ctx.ids["community"]
        grids, buildings = ctx.ids["grid"], ctx.ids["building"]
        self.grids = {
            c: grids[i * GRIDS_PER_COMMUNITY : (i + 1) * GRIDS_PER_COMMUNITY] for i, c in enumerate(self.communities)
        }
        self.buildings = {
            grid: buildings[g * BUILDINGS_PER_GRID : (g + 1) * BUILDINGS_PER_GRID] for g, grid in enumerate(grids)
        }
        units = ctx.tables["handling_units"]
        self.unit_names = dict(conn.execute(select(units.c.id, units.c.name)).all())
        self.shared = dict(zip(SHARED_UNITS, ctx.ids["handling_unit"], strict=False))
        self.workers, self.staff, self.handlers = self.people()

    def people(self):
        """Grid workers by grid (with those of the community), staff by community, handlers by unit."""
        ctx = self.ctx
        roles, units, parent = ctx.maps["user_roles"], ctx.maps["user_unit"], ctx.maps["unit_parent"]
        workers, staff = {}, {}
        handlers = {unit: list(ids) for unit, ids in ctx.maps.get("unit_handlers", {}).items()}
        for user_id, user_roles in roles.items():
            unit = units[user_id]
            if "grid_worker" in user_roles:
                workers.setdefault(unit, []).append(user_id)
            if "admin" in user_roles and unit in self.grids:
                staff.setdefault(unit, []).append(user_id)
            if "handler" in user_roles and unit in ctx.maps["property_company"]:
                handlers.setdefault(ctx.maps["property_company"][unit], []).append(user_id)
        admin = ctx.ids["admin"]
        for grid in self.buildings:
            workers[grid] = workers.get(grid, []) + workers.get(parent[grid], [])
        return workers, {c: staff.get(c, admin) for c in self.communities}, handlers

    def pick(self, items):
        return items[int(self.rng.random() * len(items))]

    def later(self, plan, minutes):
        """Move the order's clock on by ``minutes``, never past now."""
        plan.t = min(plan.t + timedelta(minutes=minutes), max(plan.t, self.latest))
        return plan.t

    def event(self, plan, actor, kind, message, from_status=None, to_status=None, **params):
        if plan.detail:
            summary, stored = self.record(self.lazy(message, **params))
            plan.events.append(
                {
                    "at": plan.t,
                    "actor_id": actor,
                    "kind": kind,
                    "from_status": from_status,
                    "to_status": to_status,
                    "summary": summary,
                    "params": stored,
                }
            )

    def move(self, plan, to_status, actor, kind, message, **params):
        self.event(plan, actor, kind, message, plan.row["status"], to_status, **params)
        plan.row["status"] = to_status

    def photo(self, plan, kind, actor):
        if plan.detail:
            plan.photos.append(
                {
                    "kind": kind,
                    "filename": f"{kind}.jpg",
                    "stored_name": f"{len(plan.photos) + 1}-{kind}.jpg",  # prefixed with the order id when inserted
                    "content_type": "image/jpeg",
                    "size": 120_000 + int(self.rng.random() * 200_000),
                    "uploaded_by_id": actor,
                    "uploaded_at": plan.t,
                }
            )

    # --- a new order ----------------------------------------------------------------------------

    def new_order(self, order_id, reported_at, community, detail, rich=False):
        rng, pick = self.rng, self.pick
        grid = pick(self.grids[community])
        category = pick(self.ctx.maps["grid_categories"][community])
        phone_call = rng.random() < PHONE_CALL_RATE and not rich
        reporter = pick(self.staff[community]) if phone_call else pick(self.workers[grid])
        year = (reported_at + timedelta(hours=8)).year
        position = not phone_call and rng.random() < POSITION_RATE
        row = dict(
            ORDER_ROW,
            id=order_id,
            year=year,
            seq=order_id,
            number=f"WG{year}-{order_id:06d}",
            org_unit_id=community,
            grid_id=grid,
            building_id=pick(self.buildings[grid]),
            room=f"{int(rng.random() * 4) + 1}单元{int(rng.random() * 18) + 1}0{int(rng.random() * 4) + 1}"
            if rng.random() < 0.5
            else None,
            latitude=28.19 + rng.random() / 20 if position else None,
            longitude=112.97 + rng.random() / 20 if position else None,
            category_id=category["id"],
            description=pick(category["descriptions"]),
            level=category["level"] if rng.random() < 0.8 else pick(LEVELS),
            source="phone_call" if phone_call else "grid_report",
            reporter_id=reporter,
            caller_name=person_name(rng) if phone_call else None,
            caller_phone=f"1{pick('35789')}{int(rng.random() * 1e9):09d}" if phone_call else None,
            reported_at=reported_at,
        )
        plan = OrderPlan(row, detail, rich)
        plan.category = category
        self.event(
            plan, reporter, "reported", "Reported: %(category)s", to_status="reported", category=category["name"]
        )
        if not phone_call:
            for _ in range(1 + (rng.random() < 0.3) + rich):
                self.photo(plan, "report", reporter)
        return plan

    # --- the closed loop ------------------------------------------------------------------------

    def play(self, plan, outcome):
        """Take the order through the loop to ``outcome``, as the operations would."""
        if outcome == "settled":
            return self.settle(plan)
        returned = plan.rich or self.rng.random() < RETURN_RATE
        if outcome == "reported":
            if returned and self.latest - plan.t > timedelta(hours=3):
                self.dispatch(plan)
                self.return_order(plan)
            return plan
        if returned:
            self.dispatch(plan)
            self.return_order(plan)
        self.dispatch(plan, plan.category["unit"])
        if outcome == "dispatched":
            return self.supervise_if_overdue(plan)
        return self.handle(plan, outcome)

    def handle(self, plan, outcome):
        """From the unit's signature on: handled, replied to (reopened and replied to again, for some), verified
        and closed."""
        rng = self.rng
        self.sign(plan)
        if outcome == "signed":
            return self.supervise_if_overdue(plan)
        if outcome == "in_progress" or rng.random() < START_RATE:
            self.start(plan)
        if outcome == "in_progress":
            return self.supervise_if_overdue(plan)
        self.reply(plan)
        if outcome == "reopened" or plan.rich or (outcome != "replied" and rng.random() < REOPEN_RATE):
            self.verify(plan, "unsatisfied")
            if outcome == "reopened":
                return self.supervise_if_overdue(plan)
            self.reply(plan)
        if outcome != "replied":
            self.verify(plan, self.pick(SATISFACTIONS))
        if outcome == "closed":
            self.close(plan)
        return plan

    def staff_of(self, plan):
        return self.pick(self.staff[plan.row["org_unit_id"]])

    def handler_of(self, plan):
        handlers = self.handlers.get(plan.row["handling_unit_id"])
        return self.pick(handlers) if handlers else None

    def dispatch(self, plan, unit=None):
        row = plan.row
        if unit is None:
            kind = self.pick(DISPATCH_TO)
            unit = self.ctx.maps["property_company"][row["org_unit_id"]] if kind == "property" else self.shared[kind]
        dispatched = self.later(plan, 10 + self.rng.random() * 170)
        row.update(
            handling_unit_id=unit,
            dispatched_at=dispatched,
            sign_due_at=dispatched + timedelta(minutes=self.sign_deadline[row["level"]]),
            due_at=dispatched + timedelta(minutes=self.deadline[row["level"]]),
            return_reason=None,
        )
        level = _level_title(row["level"])
        self.move(
            plan,
            "dispatched",
            self.staff_of(plan),
            "dispatched",
            "Dispatched to %(unit)s, %(level)s",
            unit=self.unit_names[unit],
            level=level,
        )

    def return_order(self, plan):
        row = plan.row
        self.later(plan, self.sign_deadline[row["level"]] * self.rng.random())
        reason, unit = self.pick(RETURN_REASONS), row["handling_unit_id"]
        actor = self.handler_of(plan)
        row.update(handling_unit_id=None, dispatched_at=None, sign_due_at=None, due_at=None, return_reason=reason)
        self.move(
            plan,
            "reported",
            actor,
            "returned",
            "Returned by %(unit)s: %(reason)s",
            unit=self.unit_names[unit],
            reason=reason,
        )

    def sign(self, plan):
        row = plan.row
        row["signed_at"] = self.later(plan, self.sign_deadline[row["level"]] * (0.1 + self.rng.random() * 1.1))
        unit = self.unit_names[row["handling_unit_id"]]
        self.move(plan, "signed", self.handler_of(plan), "signed", "Signed for by %(unit)s", unit=unit)

    def start(self, plan):
        plan.row["started_at"] = self.later(plan, 5 + self.rng.random() * 120)
        self.move(plan, "in_progress", self.handler_of(plan), "started", "Handling started")

    def reply(self, plan):
        """The unit's reply with an "after" photo; a late one may have had a supervision notice first."""
        row, rng = plan.row, self.rng
        late = plan.rich or rng.random() < LATE_REPLY_RATE
        minutes = self.deadline[row["level"]]
        target = row["due_at"] + timedelta(minutes=minutes * (rng.random() * 0.5 if late else -rng.random() * 0.8))
        if late and (plan.rich or rng.random() < SUPERVISED_LATE_RATE) and row["due_at"] > plan.t:
            plan.t = min(row["due_at"] + (target - row["due_at"]) / 2, self.latest)
            self.supervise(plan)
        self.later(plan, at_least((target - plan.t).total_seconds() / 60, 5))
        actor = self.handler_of(plan)
        self.photo(plan, "after", actor)
        row.update(result=self.pick(RESULTS), replied_at=plan.t)
        self.move(plan, "replied", actor, "replied", "Replied: %(result)s", result=row["result"])

    def verify(self, plan, satisfaction):
        """The resident's verification: unsatisfied reopens the order with a new deadline."""
        row = plan.row
        when = self.later(plan, 60 + self.rng.random() * 2 * 24 * 60)
        row.update(satisfaction=satisfaction, verification_method=self.pick(METHODS))
        params = {
            "method": _method_title(row["verification_method"]),
            "satisfaction": _satisfaction_title(satisfaction),
        }
        message = "Verified (%(method)s): %(satisfaction)s"
        if satisfaction == "unsatisfied":
            row["reopen_count"] += 1
            row["due_at"] = when + timedelta(minutes=self.deadline[row["level"]])
            self.move(plan, "reopened", self.staff_of(plan), "reopened", message, **params)
        else:
            row["verified_at"] = when
            self.move(plan, "verified", self.staff_of(plan), "verified", message, **params)

    def close(self, plan):
        plan.row["closed_at"] = self.later(plan, 10 + self.rng.random() * 24 * 60)
        self.move(plan, "closed", self.staff_of(plan), "closed", "Closed")

    def settle(self, plan):
        """Settled on the spot by the grid worker, with an "after" photo: closed at once."""
        row = plan.row
        self.later(plan, 5 + self.rng.random() * 60)
        self.photo(plan, "after", row["reporter_id"])
        row.update(result=self.pick(SETTLED), settled_on_spot=True, closed_at=plan.t)
        self.move(
            plan, "closed", row["reporter_id"], "settled", "Settled on the spot: %(result)s", result=row["result"]
        )
        return plan

    def supervise(self, plan):
        row = plan.row
        row["supervision_count"] += 1
        note, actor = self.pick(NOTICES), self.staff_of(plan)
        if plan.detail:
            plan.notices.append(
                {
                    "issued_by_id": actor,
                    "issued_at": plan.t,
                    "handling_unit_id": row["handling_unit_id"],
                    "due_at": row["due_at"],
                    "note": note,
                }
            )
        unit = self.unit_names[row["handling_unit_id"]]
        self.event(plan, actor, "supervised", "Supervision notice to %(unit)s: %(note)s", unit=unit, note=note)

    def supervise_if_overdue(self, plan):
        """An open order past its deadline: supervised, some of them, a while after the deadline."""
        row = plan.row
        deadline = row["sign_due_at"] if row["status"] == "dispatched" else row["due_at"]
        if deadline < self.latest and self.rng.random() < SUPERVISED_LATE_RATE:
            plan.t = max(plan.t, min(deadline + timedelta(hours=1 + self.rng.random() * 24), self.latest))
            self.supervise(plan)
        return plan


ORDER_ROW = {
    "version": 1,
    "status": "reported",
    "settled_on_spot": False,
    "reopen_count": 0,
    "supervision_count": 0,
    **dict.fromkeys(
        [
            "handling_unit_id",
            "dispatched_at",
            "sign_due_at",
            "due_at",
            "signed_at",
            "started_at",
            "replied_at",
            "verified_at",
            "closed_at",
            "return_reason",
            "result",
            "satisfaction",
            "verification_method",
            "verification_note",
        ]
    ),
}


@cache  # a title is a lazy string, the same for every order
def _title(enum_name, value):
    from app.grid import enums

    return getattr(enums, enum_name)(value).title


def _level_title(value):
    return _title("ResponseLevel", value)


def _method_title(value):
    return _title("VerificationMethod", value)


def _satisfaction_title(value):
    return _title("Satisfaction", value)


CHILD_TABLES = [
    ("photos", "grid_order_photos"),
    ("events", "grid_order_events"),
    ("notices", "grid_supervision_notices"),
]


def grid_orders(conn, scale, ctx):
    """``ORDERS_PER_SCALE`` × scale orders over the last ``ORDER_DAYS`` days, oldest first, each with a status
    by its age and a consistent history; 1 in ``DETAIL_EVERY`` with its photos, timeline and notices as rows.
    Inserted in batches (explicit ids): the orders of a batch, then their children. ``ctx.refs["grid_order"]``
    is the showcase order (module docstring)."""
    maker = OrderMaker(conn, ctx)
    n_orders = max(100, scale * ORDERS_PER_SCALE)
    step = timedelta(days=ORDER_DAYS) / n_orders
    showcase = n_orders - 1 - round(n_orders * SHOWCASE_AGE / ORDER_DAYS)
    first_id = (conn.scalar(select(func.max(ctx.tables["grid_orders"].c.id))) or 0) + 1

    def plan(i):
        reported_at = ctx.now - step * (n_orders - i)
        if i == showcase:
            order = maker.new_order(first_id + i, reported_at, maker.communities[0], detail=True, rich=True)
            return maker.play(order, "closed")
        community = maker.pick(maker.communities)
        order = maker.new_order(first_id + i, reported_at, community, detail=i % DETAIL_EVERY == 0)
        age = (ctx.now - reported_at) / timedelta(days=1)
        outcomes = next(choices for limit, choices in OUTCOMES_BY_AGE if limit is None or age < limit)
        return maker.play(order, maker.pick(outcomes))

    with indexes_built_after(conn, ["grid_orders"] + [table for _attribute, table in CHILD_TABLES]):
        for first in range(0, n_orders, BATCH_SIZE):
            insert_batch(conn, ctx, [plan(i) for i in range(first, min(first + BATCH_SIZE, n_orders))])
    ctx.refs["grid_order"] = first_id + showcase
    worker_refs(conn, ctx, ctx.refs["grid_order"])
    # the figures page's year (bench.run.pages.grid, bench.run.figures_sql): the 365 days up to the day of the
    # generation, in the community's time zone
    today = (ctx.now + timedelta(hours=8)).date()
    ctx.refs["figures_from"], ctx.refs["figures_to"] = (today - timedelta(days=364)).isoformat(), today.isoformat()
    if conn.dialect.name == "postgresql":  # the explicit ids went past the sequence
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('grid_orders', 'id'), :last)"), {"last": first_id + n_orders - 1}
        )


def worker_refs(conn, ctx, order_id):
    """The grid worker the benchmark logs in as (``ctx.refs["grid_worker"]``, a phone number): the first grid
    worker of the showcase order's grid (in the busiest community; a worker of that grid at every scale, the
    same statements at every scale), with a category and a building their report form offers (``grid_category``,
    ``grid_building``) for the report it posts (bench.run.pages.grid)."""
    orders, users, roles, buildings = (ctx.tables[name] for name in ("grid_orders", "users", "user_roles", "buildings"))
    grid, category = conn.execute(select(orders.c.grid_id, orders.c.category_id).where(orders.c.id == order_id)).one()
    ctx.refs["grid_worker"] = conn.scalar(
        select(users.c.phone)
        .join(roles, roles.c.user_id == users.c.id)
        .where(users.c.org_unit_id == grid, roles.c.role == "grid_worker")
        .order_by(users.c.id)
        .limit(1)
    )
    ctx.refs["grid_category"] = category
    ctx.refs["grid_building"] = conn.scalar(select(func.min(buildings.c.id)).where(buildings.c.grid_id == grid))


def insert_batch(conn, ctx, plans):
    insert_rows(conn, ctx, "grid_orders", (plan.row for plan in plans))
    for attribute, table in CHILD_TABLES:
        rows = [
            dict(child, order_id=plan.row["id"]) for plan in plans if plan.detail for child in getattr(plan, attribute)
        ]
        if attribute == "photos":
            for child in rows:
                child["stored_name"] = f"bench-{child['order_id']:07d}-{child['stored_name']}"
        if rows:
            insert_rows(conn, ctx, table, rows)


# In the order they run, after the mediation studio's (bench.generate.mediation.GENERATORS).
GENERATORS = [grid_people, grid_categories, grid_orders]

# The tables filled here whose rows grow with the scale: the orders and their children (not the categories, a
# few per community).
GROWS = {"grid_orders", "grid_order_photos", "grid_order_events", "grid_supervision_notices"}
