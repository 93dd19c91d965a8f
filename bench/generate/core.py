"""What every feature's generator shares, and the foundation's data (app.core) the others build on.

- the database URL as the app reads it (``normalise_database_url``);
- ``Context``: the settings and what the generators made so far, handed from one to the next;
- bulk inserts (``insert_rows``, ``insert_sparse``, ``indexes_built_after``) and ``add_units``;
- the generators of the foundation, in ``GENERATORS``: the organisation tree (county > street >
  communities > grids > buildings), handling units, users with their roles (the bench administrator
  first), the audit log and notifications.
"""

import os
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import bindparam, insert, text, update

BENCH_ADMIN_PHONE = "13700000000"
BENCH_ADMIN_NAME = "基准管理员"
BENCH_PASSWORD = "bench-pass-2026"
BATCH_SIZE = 5000

GRIDS_PER_COMMUNITY = 4
BUILDINGS_PER_GRID = 10

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红海燕波宁晓梅丹立新慧婷鹏飞宇晨欣怡浩然子涵"


@dataclass
class Context:
    """What the generators share: settings, the ids made so far, and the rows counted per table."""

    scale: int
    rng: random.Random
    now: datetime
    password_hash: str
    tables: dict
    ids: dict[str, list[int]] = field(default_factory=dict)
    maps: dict[str, dict] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # Rows the benchmark opens by id (e.g. "case_2_parties" -> a case id), and whom it logs in as (a phone
    # number, e.g. "grid_worker"); bench.run fills the "{name}" placeholders of its paths with them.
    refs: dict[str, int | str] = field(default_factory=dict)


class GenerateError(Exception):
    pass


def normalise_database_url(url):
    """``url`` as the app reads it from DATABASE_URL (``config.database_url``): ``postgres://`` and
    ``postgresql://`` go through psycopg 3 (``postgresql+psycopg://``), the driver Linli installs."""
    import config

    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        return config.database_url()
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved


# --- helpers ---------------------------------------------------------------------------------


def chunks(rows, size=BATCH_SIZE):
    """Lists of at most ``size`` items from any iterable (a generator is never held whole)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(conn, ctx, table_name, rows, returning_ids=False):
    """Insert dicts (all with the same keys) in batches (executemany); return the new ids in
    the order of ``rows`` when ``returning_ids``."""
    table = ctx.tables[table_name]
    ids = []
    count = 0
    for batch in chunks(rows):
        if returning_ids:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(conn.execute(stmt, batch).scalars())
        else:
            conn.execute(insert(table), batch)
        count += len(batch)
    ctx.counts[table_name] = ctx.counts.get(table_name, 0) + count
    return ids


def insert_sparse(conn, ctx, table_name, rows):
    """``insert_rows`` for dicts whose keys may differ and with many None values: a batch is inserted
    in groups of the same non-None keys (fewer parameters to bind; a left-out column gets its default,
    or NULL). Columns with a default must therefore not be given as None."""
    for batch in chunks(rows):
        groups = {}
        for row in batch:
            present = {key: value for key, value in row.items() if value is not None}
            groups.setdefault(tuple(present), []).append(present)
        for group in groups.values():
            insert_rows(conn, ctx, table_name, group)


@contextmanager
def indexes_built_after(conn, table_names):
    """On SQLite, drop the secondary indexes of these tables while the block fills them and build them
    again at the end, from their own CREATE INDEX statements (several times faster than keeping random
    keys sorted row by row). Elsewhere it does nothing."""
    if conn.dialect.name != "sqlite":
        yield
        return
    query = text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN :tables AND sql IS NOT NULL"
    ).bindparams(bindparam("tables", expanding=True))
    indexes = conn.execute(query, {"tables": list(table_names)}).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)


def add_units(conn, ctx, kind, specs):
    """Insert org units of one kind; ``specs`` are (parent_id, name, code). Sets the materialised
    ``path`` ("/1/4/9/") once the ids are known. Returns the new ids."""
    paths = ctx.maps.setdefault("unit_path", {})
    parents = ctx.maps.setdefault("unit_parent", {})
    rows = [
        {"parent_id": parent_id, "kind": kind, "name": name, "code": code, "path": "", "created_at": ctx.now}
        for parent_id, name, code in specs
    ]
    ids = insert_rows(conn, ctx, "org_units", rows, returning_ids=True)
    updates = []
    for unit_id, (parent_id, _name, _code) in zip(ids, specs, strict=True):
        paths[unit_id] = (paths[parent_id] if parent_id else "/") + f"{unit_id}/"
        parents[unit_id] = parent_id
        updates.append({"unit_id": unit_id, "unit_path": paths[unit_id]})
    table = ctx.tables["org_units"]
    stmt = update(table).where(table.c.id == bindparam("unit_id")).values(path=bindparam("unit_path"))
    for batch in chunks(updates):
        conn.execute(stmt, batch)
    ctx.ids.setdefault(kind, []).extend(ids)
    return ids


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# --- the foundation's data ------------------------------------------------------------------


def org_tree(conn, scale, ctx):
    """1 county > 1 street > communities > grids > buildings."""
    (county,) = add_units(conn, ctx, "county", [(None, "基准县", "BX")])
    (street,) = add_units(conn, ctx, "street", [(county, "基准街道", "BX-JD")])
    n_communities = max(2, scale // 5000)
    communities = add_units(
        conn, ctx, "community", [(street, f"第{i + 1}社区", f"BX-JD-C{i + 1:04d}") for i in range(n_communities)]
    )
    grid_specs = [
        (community, f"第{c + 1}社区第{g + 1}网格", f"BX-JD-C{c + 1:04d}-G{g + 1}")
        for c, community in enumerate(communities)
        for g in range(GRIDS_PER_COMMUNITY)
    ]
    grids = add_units(conn, ctx, "grid", grid_specs)
    buildings = (
        {
            "grid_id": grid,
            "name": f"{b + 1}幢",
            "address": f"基准路{i * BUILDINGS_PER_GRID + b + 1}号",
            "entrances": 1 + b % 3,
            "households": 24 + 12 * (b % 4),
            "created_at": ctx.now,
        }
        for i, grid in enumerate(grids)
        for b in range(BUILDINGS_PER_GRID)
    )
    ctx.ids["building"] = insert_rows(conn, ctx, "buildings", buildings, returning_ids=True)


def handling_units(conn, scale, ctx):
    """A property company per community; a police station and an office at the street; a utility."""
    county, street = ctx.ids["county"][0], ctx.ids["street"][0]
    specs = [
        (county, "utility", "基准县供水有限公司"),
        (county, "government_department", "基准县住建局"),
        (street, "police_station", "基准派出所"),
        (street, "township_office", "基准街道城建办"),
    ]
    specs += [
        (community, "property_company", f"第{i + 1}社区物业服务有限公司")
        for i, community in enumerate(ctx.ids["community"])
    ]
    rows = [
        {
            "org_unit_id": unit,
            "kind": kind,
            "name": name,
            "contact_name": person_name(ctx.rng),
            "contact_phone": f"139{i:08d}",
            "active": True,
            "created_at": ctx.now,
        }
        for i, (unit, kind, name) in enumerate(specs)
    ]
    ids = insert_rows(conn, ctx, "handling_units", rows, returning_ids=True)
    ctx.ids["handling_unit"] = ids
    ctx.maps["property_company"] = {
        unit: hu for hu, (unit, kind, _) in zip(ids, specs, strict=True) if kind == "property_company"
    }


# Roles of the ordinary users, by user number modulo 10: the unit is a grid or a community.
USER_PATTERN = [
    (["grid_worker"], "grid"),
    (["grid_worker"], "grid"),
    (["grid_worker", "volunteer"], "grid"),
    (["volunteer"], "grid"),
    (["volunteer"], "grid"),
    (["volunteer"], "grid"),
    (["mediator"], "community"),
    (["handler"], "community"),
    (["coordinator"], "community"),
    (["mediator", "grid_worker"], "community"),
]


def users(conn, scale, ctx):
    """The bench administrator (county level) and ``scale // 50`` users spread over the tree."""
    rng = ctx.rng
    grids, communities = ctx.ids["grid"], ctx.ids["community"]
    property_company = ctx.maps["property_company"]
    n_users = max(20, scale // 50)

    def user_row(phone, name, unit, handling_unit=None, active=True):
        return {
            "phone": phone,
            "name": name,
            "password_hash": ctx.password_hash,
            "active": active,
            "org_unit_id": unit,
            "handling_unit_id": handling_unit,
            "locale": None,
            "login_token": secrets.token_hex(16),
            "created_at": ctx.now - timedelta(days=rng.randrange(700)),
            "last_login_at": None,
        }

    rows = [user_row(BENCH_ADMIN_PHONE, BENCH_ADMIN_NAME, ctx.ids["county"][0])]
    roles = [["admin"]]
    for i in range(n_users):
        if i % 100 == 99:  # a few community administrators
            user_roles, unit = ["admin"], rng.choice(communities)
        else:
            user_roles, level = USER_PATTERN[i % len(USER_PATTERN)]
            unit = rng.choice(grids if level == "grid" else communities)
        handling_unit = property_company.get(unit) if "handler" in user_roles else None
        rows.append(user_row(f"138{i:08d}", person_name(rng), unit, handling_unit, active=rng.random() > 0.05))
        roles.append(user_roles)
    ids = insert_rows(conn, ctx, "users", rows, returning_ids=True)
    insert_rows(
        conn,
        ctx,
        "user_roles",
        (
            {"user_id": user_id, "role": role}
            for user_id, user_roles in zip(ids, roles, strict=True)
            for role in user_roles
        ),
    )
    ctx.ids["admin"] = ids[:1]
    ctx.ids["user"] = ids
    ctx.maps["user_unit"] = {user_id: row["org_unit_id"] for user_id, row in zip(ids, rows, strict=True)}
    ctx.maps["user_roles"] = {user_id: user_roles for user_id, user_roles in zip(ids, roles, strict=True)}


# action, target kind (a key of ctx.ids) or None, summary
AUDIT_ACTIONS = [
    ("user.login", "user", "登录"),
    ("user.login", "user", "登录"),
    ("user.login", "user", "登录"),
    ("user.login_failed", None, "登录失败：138****{n:04d}"),
    ("org_unit.updated", "grid", "修改了网格信息"),
    ("building.updated", "building", "修改了楼栋信息"),
    ("building.created", "building", "新增楼栋"),
    ("user.updated", "user", "修改了用户"),
    ("user.password_reset", "user", "重置了用户密码"),
    ("handling_unit.updated", "handling_unit", "修改了承办单位"),
]
TARGET_TABLES = {"user": "users", "grid": "org_units", "building": "buildings", "handling_unit": "handling_units"}


def audit_entries(conn, scale, ctx):
    """``scale`` entries over the last year, oldest first; 1 in 10 without an actor (failed logins)."""
    rng = ctx.rng
    user_ids = ctx.ids["user"]
    start = ctx.now - timedelta(days=365)
    step = timedelta(days=365) / max(scale, 1)

    def row(i):
        action, target, summary = AUDIT_ACTIONS[i % len(AUDIT_ACTIONS)]
        actor = None if target is None else rng.choice(user_ids)
        target_id = rng.choice(ctx.ids[target]) if target else None
        data = {"name": ["旧名称", "新名称"]} if action.endswith("updated") else {}
        return {
            "created_at": start + step * i,
            "actor_id": actor,
            "action": action,
            "target_type": TARGET_TABLES.get(target),
            "target_id": target_id,
            "summary": summary.format(n=i % 10000),
            "data": data,
            "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        }

    insert_rows(conn, ctx, "audit_entries", (row(i) for i in range(scale)))


def notifications(conn, scale, ctx):
    """``scale // 10`` notifications for the bench administrator (1 in 10 unread) and as many spread
    over the other users."""
    rng = ctx.rng
    admin = ctx.ids["admin"][0]
    others = ctx.ids["user"][1:]
    count = max(50, scale // 10)
    start = ctx.now - timedelta(days=180)
    step = timedelta(days=180) / count

    def row(i, user_id):
        created = start + step * i
        return {
            "user_id": user_id,
            "message": f"第{i + 1}号事项有了新进展，请查看。",
            "link": f"/admin/users/{rng.choice(others)}/edit",
            "created_at": created,
            "read_at": None if i % 10 == 0 else created + timedelta(hours=1),
        }

    rows = (row(i, admin if n == 0 else rng.choice(others)) for i in range(count) for n in range(2))
    insert_rows(conn, ctx, "notifications", rows)


# The foundation's generators, in the order they run; every other feature's run after them.
GENERATORS = [org_tree, handling_units, users, audit_entries, notifications]

# The foundation's tables whose rows grow with the scale or with use (bench.run fails a page whose PostgreSQL plan
# reads one of them by a sequential scan; the ones the generator leaves small are set aside by their size). Not
# the organisation tree, buildings and handling units: one community per 5,000 makes them grow too, but they stay
# small (80 grids and 800 buildings at 100,000).
GROWS = {
    "audit_entries",
    "notifications",
    "users",
    "user_roles",
    "user_sessions",
    "login_failures",
    "form_submissions",
}
