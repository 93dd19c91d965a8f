"""Fill an empty database with benchmark data, quickly: bulk inserts with SQLAlchemy Core.

    python -m bench.generate --database-url sqlite:////tmp/bench.sqlite3 --scale 100000

The schema comes from the migrations (Flask-Migrate ``upgrade()``); then every function of
``GENERATORS`` runs, in order and in one transaction, as ``func(conn, scale, ctx)``.

``scale`` is the number of audit entries; the other tables grow with it (about one community per
5,000, one user per 50, one notification per 5). The bench administrator (``BENCH_ADMIN_PHONE`` /
``BENCH_PASSWORD``) sits at the top of the tree, so every row is in their scope.

A later feature adds its data with one more generator::

    @generator
    def mediation_cases(conn, scale, ctx):
        insert_rows(conn, ctx, "mediation_cases", ({...} for i in range(scale // 10)))

It finds what the generators before it made in ``ctx.ids`` (lists of ids by kind: "county", "street",
"community", "grid", "building", "handling_unit", "user") and ``ctx.maps`` (e.g. "unit_path",
"unit_parent", "property_company"), and may add its own there for the ones after it.
"""

import argparse
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import bindparam, func, insert, select, text, update
from werkzeug.security import generate_password_hash

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


GENERATORS = []


def generator(func):
    """Register ``func(conn, scale, ctx)`` to run after the generators registered before it."""
    GENERATORS.append(func)
    return func


class GenerateError(Exception):
    pass


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


def add_units(conn, ctx, kind, specs):
    """Insert org units of one kind; ``specs`` are (parent_id, name, code). Sets the materialised
    ``path`` ("/1/4/9/") once the ids are known. Returns the new ids."""
    paths = ctx.maps.setdefault("unit_path", {})
    parents = ctx.maps.setdefault("unit_parent", {})
    rows = [{"parent_id": parent_id, "kind": kind, "name": name, "code": code, "path": "", "created_at": ctx.now}
            for parent_id, name, code in specs]
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


# --- the generators of the foundation --------------------------------------------------------


@generator
def org_tree(conn, scale, ctx):
    """1 county > 1 street > communities > grids > buildings."""
    (county,) = add_units(conn, ctx, "county", [(None, "基准县", "BX")])
    (street,) = add_units(conn, ctx, "street", [(county, "基准街道", "BX-JD")])
    n_communities = max(2, scale // 5000)
    communities = add_units(conn, ctx, "community", [
        (street, f"第{i + 1}社区", f"BX-JD-C{i + 1:04d}") for i in range(n_communities)])
    grid_specs = [(community, f"第{c + 1}社区第{g + 1}网格", f"BX-JD-C{c + 1:04d}-G{g + 1}")
                  for c, community in enumerate(communities) for g in range(GRIDS_PER_COMMUNITY)]
    grids = add_units(conn, ctx, "grid", grid_specs)
    buildings = ({"grid_id": grid, "name": f"{b + 1}幢", "address": f"基准路{i * BUILDINGS_PER_GRID + b + 1}号",
                  "entrances": 1 + b % 3, "households": 24 + 12 * (b % 4), "created_at": ctx.now}
                 for i, grid in enumerate(grids) for b in range(BUILDINGS_PER_GRID))
    ctx.ids["building"] = insert_rows(conn, ctx, "buildings", buildings, returning_ids=True)


@generator
def handling_units(conn, scale, ctx):
    """A property company per community; a police station and an office at the street; a utility."""
    county, street = ctx.ids["county"][0], ctx.ids["street"][0]
    specs = [(county, "utility", "基准县供水有限公司"), (county, "government_department", "基准县住建局"),
             (street, "police_station", "基准派出所"), (street, "township_office", "基准街道城建办")]
    specs += [(community, "property_company", f"第{i + 1}社区物业服务有限公司")
              for i, community in enumerate(ctx.ids["community"])]
    rows = [{"org_unit_id": unit, "kind": kind, "name": name, "contact_name": person_name(ctx.rng),
             "contact_phone": f"139{i:08d}", "active": True, "created_at": ctx.now}
            for i, (unit, kind, name) in enumerate(specs)]
    ids = insert_rows(conn, ctx, "handling_units", rows, returning_ids=True)
    ctx.ids["handling_unit"] = ids
    ctx.maps["property_company"] = {unit: hu for hu, (unit, kind, _) in zip(ids, specs, strict=True)
                                    if kind == "property_company"}


# Roles of the ordinary users, by user number modulo 10: the unit is a grid or a community.
USER_PATTERN = [
    (["grid_worker"], "grid"), (["grid_worker"], "grid"), (["grid_worker", "volunteer"], "grid"),
    (["volunteer"], "grid"), (["volunteer"], "grid"), (["volunteer"], "grid"),
    (["mediator"], "community"), (["handler"], "community"), (["coordinator"], "community"),
    (["mediator", "grid_worker"], "community"),
]


@generator
def users(conn, scale, ctx):
    """The bench administrator (county level) and ``scale // 50`` users spread over the tree."""
    rng = ctx.rng
    grids, communities = ctx.ids["grid"], ctx.ids["community"]
    property_company = ctx.maps["property_company"]
    n_users = max(20, scale // 50)

    def user_row(phone, name, unit, handling_unit=None, active=True):
        return {"phone": phone, "name": name, "password_hash": ctx.password_hash, "active": active,
                "org_unit_id": unit, "handling_unit_id": handling_unit, "locale": None,
                "login_token": secrets.token_hex(16), "created_at": ctx.now - timedelta(days=rng.randrange(700)),
                "last_login_at": None}

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
    insert_rows(conn, ctx, "user_roles", ({"user_id": user_id, "role": role}
                                          for user_id, user_roles in zip(ids, roles, strict=True)
                                          for role in user_roles))
    ctx.ids["admin"] = ids[:1]
    ctx.ids["user"] = ids
    ctx.maps["user_unit"] = {user_id: row["org_unit_id"] for user_id, row in zip(ids, rows, strict=True)}


# action, target kind (a key of ctx.ids) or None, summary
AUDIT_ACTIONS = [
    ("user.login", "user", "登录"), ("user.login", "user", "登录"), ("user.login", "user", "登录"),
    ("user.login_failed", None, "登录失败：138****{n:04d}"),
    ("org_unit.updated", "grid", "修改了网格信息"), ("building.updated", "building", "修改了楼栋信息"),
    ("building.created", "building", "新增楼栋"), ("user.updated", "user", "修改了用户"),
    ("user.password_reset", "user", "重置了用户密码"), ("handling_unit.updated", "handling_unit", "修改了承办单位"),
]
TARGET_TABLES = {"user": "users", "grid": "org_units", "building": "buildings", "handling_unit": "handling_units"}


@generator
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
        return {"created_at": start + step * i, "actor_id": actor, "action": action,
                "target_type": TARGET_TABLES.get(target), "target_id": target_id,
                "summary": summary.format(n=i % 10000), "data": data,
                "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}

    insert_rows(conn, ctx, "audit_entries", (row(i) for i in range(scale)))


@generator
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
        return {"user_id": user_id, "message": f"第{i + 1}号事项有了新进展，请查看。",
                "link": f"/admin/users/{rng.choice(others)}/edit", "created_at": created,
                "read_at": None if i % 10 == 0 else created + timedelta(hours=1)}

    rows = (row(i, admin if n == 0 else rng.choice(others)) for i in range(count) for n in range(2))
    insert_rows(conn, ctx, "notifications", rows)


# --- driver ----------------------------------------------------------------------------------


def generate(database_url, scale, seed=1, log=None):
    """Create the schema in the (empty) database at ``database_url`` and fill it to ``scale``.

    Returns {"scale", "seconds", "rows": {table: count}, "timings": {generator: seconds}}.
    """
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="linli-generate-") as instance_dir:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_DIR": instance_dir,
            "UPLOAD_FOLDER": instance_dir,
            "SECRET_KEY": secrets.token_hex(16),
            "RATELIMIT_STORAGE_URI": "memory://",
            "LINLI_COUNT_QUERIES": False,
            "LINLI_BENCH": False,
        })
        with app.app_context():
            upgrade()
            engine = db.engine
            tables = dict(db.metadata.tables)
            try:
                with engine.begin() as conn:
                    if conn.scalar(select(func.count()).select_from(tables["users"])):
                        raise GenerateError(f"the database already has users: {engine.url!r} must be empty")
                    ctx = Context(scale=scale, rng=random.Random(seed), now=datetime.now(UTC),
                                  password_hash=generate_password_hash(BENCH_PASSWORD), tables=tables)
                    for gen in GENERATORS:
                        t0 = time.perf_counter()
                        gen(conn, scale, ctx)
                        ctx.timings[gen.__name__] = round(time.perf_counter() - t0, 3)
                        if log:
                            log(f"  {gen.__name__}: {ctx.timings[gen.__name__]:.2f} s")
                if engine.dialect.name == "postgresql":
                    # What autovacuum would have done by the time a real database is this big.
                    with engine.begin() as conn:
                        conn.execute(text("ANALYZE"))
            finally:
                engine.dispose()
    return {"scale": scale, "seconds": round(time.perf_counter() - started, 3), "rows": ctx.counts,
            "timings": ctx.timings}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty database, e.g. sqlite:////tmp/x.sqlite3")
    parser.add_argument("--scale", type=int, default=100_000, help="number of audit entries (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    try:
        summary = generate(args.database_url, args.scale, args.seed, log=print)
    except GenerateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rows = ", ".join(f"{table} {count}" for table, count in summary["rows"].items())
    print(f"scale {args.scale}: {rows} in {summary['seconds']:.1f} s")
    print(f"log in with {BENCH_ADMIN_PHONE} / {BENCH_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
