"""The busiest pages send a fixed number of SQL statements, however much they show: a lazy load in a loop
(one more query per party, per case, per visit) fails here. When a page really needs one statement more or
less, change the number and say why."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from app.core import operations as core_ops
from app.core.i18n import lazy_gettext as _l
from app.core.models import Building, OrgUnit, User
from app.core.roles import Role
from app.extensions import db
from app.grid import operations as grid_ops
from app.grid.models import WorkOrder
from app.mediation import operations as ops
from app.mediation.models import Case, FollowUp
from tests.conftest import make_unit, make_user, page_text, search, statement_counter
from tests.grid.factories import make_order
from tests.grid.factories import photo as grid_photo
from tests.mediation.factories import case_dates, leak_parties, make_case

# the user (with the unread notifications), the case with its many-to-one rows, its seven collections (parties,
# helpers, sessions, follow-ups, attachments, recusals, timeline), the related cases and their parties, and
# the audit entry of the view
CASE_PAGE = 12
# the user, the communities, the community's mediators and grids for the filters, a page of cases and their
# parties, the mediator's due visits with their cases (one statement) and those cases' parties
CASE_LIST = 8
# the same list as the bench administrator sees it: the user, the communities, a page of cases and their parties,
# the admin's due visits (none, so not their cases)
CASE_LIST_ADMIN = 5
# the benchmark's floors (/_bench/...): the user (with their roles, unit and unread count) ...
FLOOR_LOGGED_IN = 1
# ... and the audit entry of the view
FLOOR_AUDITED = 2
# the user, and the parents of their unit for the line under the greeting (an admin of a street: the county)
HOME = 2
# a mediator's: the user, the due visits with their cases (one statement), the cases near the one-month limit,
# and the parents of their unit (a community: the street, the county)
HOME_MEDIATOR = 5
# the user, a page of users, their units, their roles
ADMIN_USERS = 4
# the user, a page of entries with their actors
ADMIN_AUDIT = 2
# the user, a page of their notifications
NOTIFICATIONS = 2
# the user, the units in the admin's scope, the number of buildings per grid
ADMIN_UNITS = 3


def six_parties():
    """The two parties of the leaking-ceiling case and four more (so each case is the other's related case)."""
    others = [
        {"role": "other", "name": name, "phone": f"1380000000{i}", "id_number": None, "address": f"回龙苑3幢{i}02室"}
        for i, name in enumerate(["赵一", "钱二", "孙三", "李四"], start=5)
    ]
    return leak_parties() + others


def statements_of(client, count_queries, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_case_page_statements_do_not_grow_with_what_the_case_holds(app, client, login_as, world, count_queries):
    two = make_case(app, world, upto="agreement")
    six = make_case(app, world, upto="agreement", parties=six_parties())
    with app.test_request_context():  # the second case has more of everything: people, sessions, files
        case = db.session.get(Case, six)
        mediator = db.session.get(User, world.users["mediator"])
        ops.add_helper(mediator, case, "legal_adviser", None, "周律师", "清溪律师事务所")
        ops.add_helper(mediator, case, "co_mediator", db.session.get(User, world.users["colleague"]))
        db.session.commit()
    login_as("mediator")
    assert statements_of(client, count_queries, f"/mediation/cases/{two}") == CASE_PAGE
    assert statements_of(client, count_queries, f"/mediation/cases/{six}") == CASE_PAGE


def add_cases(app, world, count):
    """``count`` cases, a third each registered, accepted and agreed; every follow-up visit is overdue, so the
    list's box of due visits is full too."""
    stages = ["registered", "accepted", "agreement"]
    for i in range(count):
        make_case(app, world, upto=stages[i % 3])
    with app.app_context():
        db.session.execute(update(FollowUp).values(due_on=case_dates().today - timedelta(days=1)))
        db.session.commit()


def test_case_list_statements_do_not_grow_with_the_number_of_cases(app, client, login_as, world, count_queries):
    login_as("mediator")
    add_cases(app, world, 3)
    few = statements_of(client, count_queries, "/mediation/")
    add_cases(app, world, 27)
    many = statements_of(client, count_queries, "/mediation/")
    assert (few, many) == (CASE_LIST, CASE_LIST)


def test_case_list_filtered_statements_do_not_grow_with_the_matches(app, client, login_as, world, count_queries):
    """The benchmark's filtered list (in mediation, a party's name starting with 张): one match, then 13."""
    login_as("mediator")
    url = search(client, "/mediation/", status="in_mediation", q="张")
    add_cases(app, world, 3)  # registered, accepted, agreed (with its due visit): not in mediation
    first = make_case(app, world, upto="session")
    few = statements_of(client, count_queries, url)
    matches = [make_case(app, world, upto="session", parties=zhang_parties(i)) for i in range(12)]
    registered = make_case(app, world, upto="registered", parties=zhang_parties(99))
    shown = page_text(client.get(url))
    assert all(number in shown for number in case_numbers(app, [first, *matches]))
    assert all(f"张{i:02d}" in shown for i in range(12))
    assert case_numbers(app, [registered])[0] not in shown
    many = statements_of(client, count_queries, url)
    assert (few, many) == (CASE_LIST, CASE_LIST)


@pytest.mark.parametrize("filters", [{}, {"status": "in_mediation", "q": "张"}])
def test_case_lists_of_the_bench_administrator_do_not_grow(app, client, login_as, world, count_queries, filters):
    """The two lists as the benchmark reads them: as an administrator (every community, no due visits)."""
    login_as("admin")
    url = search(client, "/mediation/", **filters) if filters else "/mediation/"
    first = make_case(app, world, upto="session")
    few = statements_of(client, count_queries, url)
    matches = [make_case(app, world, upto="session", parties=zhang_parties(i)) for i in range(12)]
    shown = page_text(client.get(url))
    assert all(number in shown for number in case_numbers(app, [first, *matches]))
    many = statements_of(client, count_queries, url)
    assert (few, many) == (CASE_LIST_ADMIN, CASE_LIST_ADMIN)


def zhang_parties(i):
    """The leaking-ceiling case's parties, the applicant renamed 张<i> and the respondent given a sibling."""
    applicant, respondent = leak_parties()
    sibling = dict(respondent, role="respondent", name=f"李{i:02d}", phone=f"1370000{i:04d}", id_number=None)
    return [dict(applicant, name=f"张{i:02d}", phone=f"1360000{i:04d}", id_number=None), respondent, sibling]


def case_numbers(app, case_ids):
    with app.app_context():
        return [db.session.get(Case, case_id).number for case_id in case_ids]


# --- the foundation's pages -------------------------------------------------------------------


def add_notifications(app, user_id, count):
    """``count`` notifications for the user, every other one read."""
    with app.test_request_context():
        user = db.session.get(User, user_id)
        for i in range(count):
            note = core_ops.notify(user, f"通知第{i:03d}条", f"/admin/users/{user_id}/edit")
            if i % 2:
                core_ops.mark_read(note)
        db.session.commit()


def unread_badge(response):
    found = re.search(r'data-testid="unread-count">(\d+)<', response.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def add_units(app, world, count):
    """``count`` communities under the world's street, each with two grids of two buildings."""
    with app.app_context():
        street = db.session.get(OrgUnit, world.street)
        for i in range(count):
            community = make_unit(street, "community", f"新社区{i:02d}", f"N-{i:02d}")
            for g in range(2):
                grid = make_unit(community, "grid", f"新社区{i:02d}第{g + 1}网格", f"N-{i:02d}-{g + 1}")
                db.session.add_all(Building(grid=grid, name=f"{b + 1}幢", households=24) for b in range(2))
        db.session.commit()


USER_ROLES = [[Role.mediator], [Role.grid_worker], [Role.coordinator, Role.volunteer], [Role.admin], [Role.handler]]


def add_users(app, password_hash, count):
    """``count`` users with one or two roles each, spread over the units below the county (the world admin's
    scope), every fifth deactivated."""
    with app.app_context():
        units = db.session.scalars(select(OrgUnit).where(OrgUnit.parent_id.isnot(None)).order_by(OrgUnit.id)).all()
        for i in range(count):
            roles, unit = USER_ROLES[i % len(USER_ROLES)], units[i % len(units)]
            user = make_user(f"1370000{i:04d}", f"新用户{i:02d}", roles, unit, password_hash)
            user.active = bool(i % 5)
        db.session.commit()


def add_audit_entries(app, world, count):
    """``count`` entries by every user of the world (and the system), about users and units."""
    with app.test_request_context():
        actors = [db.session.get(User, user_id) for user_id in world.users.values()] + [None]
        targets = [db.session.get(OrgUnit, world.community_a), *actors[:-1]]
        for i in range(count):
            target = targets[i % len(targets)]
            core_ops.log(actors[i % len(actors)], "test.checked", target, _l("Checked %(name)s", name=f"对象{i:03d}"))
        db.session.commit()


def test_home_statements_do_not_grow(app, client, login_as, world, count_queries, password_hash):
    """The benchmark's home page, an administrator's: a card and the unread count, whatever the tables hold."""
    login_as("admin")
    few = statements_of(client, count_queries, "/")
    add_notifications(app, world.users["admin"], 60)
    add_users(app, password_hash, 20)
    add_units(app, world, 5)
    add_audit_entries(app, world, 30)
    assert unread_badge(client.get("/")) == 30
    many = statements_of(client, count_queries, "/")
    assert (few, many) == (HOME, HOME)


def test_mediator_home_statements_do_not_grow_with_the_cases(app, client, login_as, world, count_queries):
    """The mediator's card lists their due visits and the cases near the one-month limit, each by number."""
    login_as("mediator")
    add_cases(app, world, 3)
    few = statements_of(client, count_queries, "/")
    add_cases(app, world, 15)
    with app.app_context():
        numbers = db.session.scalars(select(Case.number)).all()
    shown = page_text(client.get("/"))
    assert sum(number in shown for number in numbers) == 12  # six visits, six cases near the limit
    many = statements_of(client, count_queries, "/")
    assert (few, many) == (HOME_MEDIATOR, HOME_MEDIATOR)


def test_admin_users_statements_do_not_grow_with_the_users(app, client, login_as, world, count_queries, password_hash):
    login_as("admin")
    few = statements_of(client, count_queries, "/admin/users")
    add_units(app, world, 10)
    add_users(app, password_hash, 40)  # 48 users (a page holds 50), in 36 units
    shown = page_text(client.get("/admin/users"))
    assert all(f"新用户{i:02d}" in shown for i in range(40))
    many = statements_of(client, count_queries, "/admin/users")
    assert (few, many) == (ADMIN_USERS, ADMIN_USERS)


def test_admin_audit_statements_do_not_grow_with_the_entries(app, client, login_as, world, count_queries):
    login_as("admin")
    add_audit_entries(app, world, 2)
    few = statements_of(client, count_queries, "/admin/audit")
    add_audit_entries(app, world, 60)
    shown = page_text(client.get("/admin/audit"))
    assert all(name in shown for name in ["王调解", "周物业", "刘外来", "吴同事"])  # actors of the last page
    assert sum(f"对象{i:03d}" in shown for i in range(60)) >= 40
    many = statements_of(client, count_queries, "/admin/audit")
    assert (few, many) == (ADMIN_AUDIT, ADMIN_AUDIT)


def test_notifications_statements_do_not_grow_with_the_notifications(app, client, login_as, world, count_queries):
    login_as("admin")
    add_notifications(app, world.users["admin"], 2)
    few = statements_of(client, count_queries, "/notifications")
    add_notifications(app, world.users["admin"], 60)
    response = client.get("/notifications")
    assert page_text(response).count("通知第") == 50  # a page
    assert unread_badge(response) == 31
    many = statements_of(client, count_queries, "/notifications")
    assert (few, many) == (NOTIFICATIONS, NOTIFICATIONS)


def test_admin_units_statements_do_not_grow_with_the_units(app, client, login_as, world, count_queries):
    login_as("admin")
    few = statements_of(client, count_queries, "/admin/units")
    add_units(app, world, 15)  # 45 more units, 60 more buildings
    shown = page_text(client.get("/admin/units"))
    assert all(f"新社区{i:02d}第2网格" in shown for i in range(15))
    assert shown.count("2个楼栋") == 30  # each new grid's buildings, counted
    many = statements_of(client, count_queries, "/admin/units")
    assert (few, many) == (ADMIN_UNITS, ADMIN_UNITS)


# --- the benchmark's floors -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_app(app, app_config):
    """The app with the benchmark's routes (they exist only with LINLI_BENCH), on the tests' database."""
    bench = create_app(dict(app_config, LINLI_BENCH=True))
    yield bench
    with bench.app_context():
        db.engine.dispose()


@pytest.fixture
def bench_count_queries(bench_app):
    """count_queries (tests/conftest.py) for the bench app, which has an engine of its own."""
    with bench_app.app_context():
        return statement_counter(db.engine)


def test_bench_floors_do_not_grow(app, bench_app, login_as, world, bench_count_queries):
    client = bench_app.test_client()
    login_as("admin", client)
    few = [statements_of(client, bench_count_queries, url) for url in ("/_bench/floor", "/_bench/audited")]
    add_notifications(app, world.users["admin"], 60)
    add_audit_entries(app, world, 60)
    assert unread_badge(client.get("/_bench/floor")) == 30
    assert unread_badge(client.get("/_bench/audited")) == 30
    many = [statements_of(client, bench_count_queries, url) for url in ("/_bench/floor", "/_bench/audited")]
    assert (few, many) == ([FLOOR_LOGGED_IN, FLOOR_AUDITED], [FLOOR_LOGGED_IN, FLOOR_AUDITED])


# --- grid work orders -------------------------------------------------------------------------

# the user, one page of the list (the orders with their category, grid, building and unit, one statement)
GRID_LIST = 2
# an administrator's grid page: the user, and five orders of each of their three lists (dispatch queue, overdue
# board, replies to verify)
GRID_HOME_STAFF = 4
# the user, the order with its grid, building, category, unit, community, reporter, mediation case and the order
# it was merged into (one statement), its photos, its timeline with the actors, its supervision notices with who
# issued them, the duplicates merged into it with their reporters (their photos: one more when there are any),
# the help group's requests asked from it (app.volunteers.help_requests)
GRID_ORDER_PAGE = 7
# staff, while the order may still be merged: the possible duplicates too
GRID_ORDER_PAGE_MERGEABLE = 8

# who reads each list, and the stages of the orders it shows (tests/grid/factories.py STAGES)
GRID_LISTS = [
    ("grid_worker", "mine", ["reported", "dispatched", "replied", "closed", "settled"]),
    ("grid_worker", "grid", ["reported", "dispatched", "signed", "replied", "reopened"]),
    ("handler", "to_sign", ["dispatched"]),
    ("handler", "handling", ["signed", "in_progress", "reopened"]),
    ("admin", "queue", ["reported"]),
    ("admin", "overdue", ["overdue"]),
]


def order_numbers(app, order_ids):
    with app.app_context():
        numbers = db.session.scalars(select(WorkOrder.number).where(WorkOrder.id.in_(order_ids))).all()
        db.session.remove()
    return numbers


@pytest.mark.parametrize(("role", "name", "stages"), GRID_LISTS, ids=[name for _role, name, _stages in GRID_LISTS])
def test_grid_lists_statements_do_not_grow_with_the_orders(
    app, client, login_as, world, count_queries, role, name, stages
):
    """Each role's lists (the grid worker's, the unit handler's, the staff's): one order, then 13."""
    login_as(role)
    url = f"/grid/orders?list={name}"
    first = make_order(app, world, upto=stages[0])
    few = statements_of(client, count_queries, url)
    more = [make_order(app, world, upto=stages[i % len(stages)]) for i in range(12)]
    shown = page_text(client.get(url))
    assert all(number in shown for number in order_numbers(app, [first, *more]))
    many = statements_of(client, count_queries, url)
    assert (few, many) == (GRID_LIST, GRID_LIST)


def test_grid_staff_page_statements_do_not_grow_with_the_orders(app, client, login_as, world, count_queries):
    """The benchmark's grid page: the administrator's three lists, five orders each."""
    login_as("admin")
    make_order(app, world, upto="reported")
    few = statements_of(client, count_queries, "/grid/")
    for stage in ["reported", "overdue", "replied"] * 6:
        make_order(app, world, upto=stage)
    shown = page_text(client.get("/grid/"))
    assert shown.count("WG") == 15
    many = statements_of(client, count_queries, "/grid/")
    assert (few, many) == (GRID_HOME_STAFF, GRID_HOME_STAFF)


def busy_order(app, world):
    """An order with much of everything: overdue and supervised twice, replied to, reopened, replied to again
    (with an after photo each time), verified and closed."""
    order_id = make_order(app, world, upto="overdue")
    with app.test_request_context():
        order = db.session.get(WorkOrder, order_id)
        admin, handler = (db.session.get(User, world.users[role]) for role in ("admin", "handler"))
        grid_ops.supervise(admin, order, "已超期，请立即处理")
        grid_ops.supervise(admin, order, "请于今日内办结")
        grid_ops.reply(handler, order, "已修好", grid_photo("after1.jpg"))
        grid_ops.verify(admin, order, "unsatisfied", "phone", "还是不亮")
        grid_ops.reply(handler, order, "已更换线路", grid_photo("after2.jpg"))
        grid_ops.verify(admin, order, "satisfied", "doorstep")
        grid_ops.close(admin, order)
        db.session.commit()
    return order_id


@pytest.mark.parametrize("role", ["admin", "handler", "grid_worker"])
def test_grid_order_page_statements_do_not_grow_with_what_the_order_holds(
    app, client, login_as, world, count_queries, role
):
    """The order page as staff, the unit and the grid worker see it: an order just dispatched (a photo, two
    timeline entries), then a busy one."""
    login_as(role)
    few = statements_of(client, count_queries, f"/grid/orders/{make_order(app, world, upto='dispatched')}")
    busy = busy_order(app, world)
    shown = page_text(client.get(f"/grid/orders/{busy}"))
    assert "请于今日内办结" in shown and "已更换线路" in shown
    with app.app_context():
        order = db.session.get(WorkOrder, busy)
        assert (len(order.photos), len(order.events), len(order.notices)) == (3, 10, 2)
        db.session.remove()
    many = statements_of(client, count_queries, f"/grid/orders/{busy}")
    # the dispatched order may still be merged (staff see its possible duplicates); the busy one is closed
    assert (few, many) == (GRID_ORDER_PAGE_MERGEABLE if role == "admin" else GRID_ORDER_PAGE, GRID_ORDER_PAGE)


# --- the help group (the benchmark's rows: bench/run/pages/volunteers.py) -------------------------------------

# statements of the coordinator's volunteer list, the event list and a volunteer's page, as an admin of the area
# (the bench administrator organises every community's help group): the same with few and many rows
# the list: the user, the community's skills (the filter), the page of volunteers, their teams, their skills
VOLUNTEER_LIST = 5
# the events: the user, the page of events with the places taken (counted by the database)
VOLUNTEER_EVENT_LIST = 2
# a volunteer: the user, the volunteer with their user, building and community, teams, skills, hours, records
VOLUNTEER_PAGE = 6


def add_served_volunteers(app, world, first, count, records):
    """``count`` approved volunteers of community A, each with ``records`` service records."""
    from datetime import date
    from decimal import Decimal

    from app.volunteers import operations as vol_ops
    from app.volunteers.models import ServiceRecord
    from tests.volunteers.factories import details

    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        ids = []
        for number in range(first, first + count):
            volunteer = vol_ops.join(community, details(f"135{number:08d}", name=f"队员{number}", skills=["维修"]))
            vol_ops.approve(coordinator, volunteer)
            for day in range(records):
                db.session.add(
                    ServiceRecord(
                        org_unit_id=community.id,
                        volunteer_id=volunteer.id,
                        project="暖心服务",
                        served_on=date(2026, 1, 1 + day % 28),
                        place="党群服务中心",
                        content="探访",
                        hours=Decimal("2.00"),
                    )
                )
            ids.append(volunteer.id)
        db.session.commit()
        db.session.remove()
    return ids


def test_volunteer_pages_statements_do_not_grow_with_volunteers_events_and_records(
    app, client, login_as, world, count_queries
):
    from tests.volunteers.factories import make_event, make_leader, make_volunteers

    make_volunteers(app, world)
    make_leader(app, world)
    make_event(app, world)
    (showcase,) = add_served_volunteers(app, world, 0, 1, 2)
    login_as("admin")
    urls = ["/volunteers/people", "/volunteers/events", f"/volunteers/people/{showcase}"]
    few = [statements_of(client, count_queries, url) for url in urls]
    add_served_volunteers(app, world, 100, 12, 3)
    for _ in range(4):
        make_event(app, world)
    with app.app_context():
        import datetime

        from app.volunteers.models import ServiceRecord

        for day in range(30):
            db.session.add(
                ServiceRecord(
                    org_unit_id=world.community_a,
                    volunteer_id=showcase,
                    project="上门探访",
                    served_on=datetime.date(2026, 2, 1 + day % 28),
                    place="3幢",
                    content="探访",
                    hours=1,
                )
            )
        db.session.commit()
        db.session.remove()
    assert page_text(client.get(urls[0])).count("队员") >= 10
    many = [statements_of(client, count_queries, url) for url in urls]
    assert few == many == [VOLUNTEER_LIST, VOLUNTEER_EVENT_LIST, VOLUNTEER_PAGE]


def test_the_public_sign_up_reads_one_statement(app, world, count_queries):
    """A visitor without a cookie: the first screen reads the communities, the poster's link its community (once:
    the community found is kept for the rest of the request, not looked up again)."""
    for url in ("/volunteers/join", f"/volunteers/join?community={world.community_a}"):
        assert statements_of(app.test_client(), count_queries, url) == 1, url
