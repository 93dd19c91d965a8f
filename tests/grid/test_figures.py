"""The figures of grid work (issue 10, item 9; app.grid.figures): a month of orders written with precise times,
whose figures are worked out by hand below, shown on the page and in the Excel file exactly; the period and the
community bound what is counted; the scope filters narrow it; who may read the figures; bad query arguments
never make a 500."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import event, text

from app.core.models import HandlingUnit, OrgUnit, User
from app.core.storage import content_disposition
from app.extensions import db
from app.grid import figures as grid_figures
from app.grid.models import Category, WorkOrder
from bench.run.plans import capture_statements, log_in, plan_nodes
from tests.conftest import make_user, page_text
from tests.mediation.factories import make_case
from tests.mediation.plans_support import explain, make_data_set

OCTOBER = {"date_from": "2026-10-01", "date_to": "2026-10-31"}
# 2026-10-01 00:00 in Asia/Shanghai (UTC+8) is 2026-09-30 16:00 UTC; the month ends at 2026-10-31 16:00 UTC
MONTH_START = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
MONTH_END = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
H = timedelta(hours=1)


def utc(day, hour=2, month=10):
    """A moment of 2026 in UTC (2:00 UTC is 10:00 in the community)."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


class Orders:
    """Writes work orders with exactly the times and states a test needs, each state with the columns its CHECK
    constraints ask for."""

    def __init__(self, world):
        self.world = world
        self.numbers = count(1)
        self.categories = {}

    def category(self, name, community="community_a"):
        key = (name, community)
        if key not in self.categories:
            category = Category(
                org_unit_id=getattr(self.world, community), name=name, group_name="设施", default_level="three_days"
            )
            db.session.add(category)
            db.session.flush()
            self.categories[key] = category.id
        return self.categories[key]

    def add(
        self,
        reported,
        status="closed",
        grid="grid_a1",
        category="设施损坏",
        unit="property_company",
        replied=None,
        due=None,
        closed=None,
        satisfaction=None,
        reopen_count=0,
        settled=False,
        **extra,
    ):
        grid_id = getattr(self.world, grid)
        community = db.session.get(OrgUnit, grid_id).parent
        n = next(self.numbers)
        order = WorkOrder(
            year=2026,
            seq=n,
            number=f"WG2026-T{n:04d}",
            org_unit_id=community.id,
            grid_id=grid_id,
            category_id=self.category(
                category, "community_a" if community.id == self.world.community_a else "community_b"
            ),
            description="楼道灯不亮",
            level="three_days",
            status=status,
            reported_at=reported,
            settled_on_spot=settled,
            reopen_count=reopen_count,
            **extra,
        )
        if status not in ("reported", "merged", "to_mediation") and not settled:
            dispatched = reported + H
            order.handling_unit_id = getattr(self.world, unit)
            order.dispatched_at = dispatched
            order.sign_due_at = dispatched + 24 * H
            order.due_at = due or dispatched + 72 * H  # three days
            order.signed_at = dispatched + H
        if replied is not None:
            order.replied_at = replied
            order.result = "已修复"
        if satisfaction is not None:
            order.satisfaction = satisfaction
            order.verification_method = "phone"
        if status in ("verified", "closed") and not settled:
            order.verified_at = (replied or reported) + H
        if status == "closed":
            order.closed_at = closed
            order.result = order.result or "当场处理"
        db.session.add(order)
        db.session.flush()
        return order


@pytest.fixture
def power_unit(app, world):
    with app.app_context():
        power = HandlingUnit(org_unit_id=world.community_a, kind="utility", name="回龙供电所")
        db.session.add(power)
        db.session.commit()
        world.power_company = power.id
        db.session.remove()
    return world


@pytest.fixture
def october(app, world, power_unit):
    """A month of orders in community A, and around it orders that must not count: what the figures of
    October 2026 must be is worked out by hand in EXPECTED."""
    case_id = make_case(app, world, upto="registered")
    with app.app_context():
        o = Orders(world)
        # --- 18 orders reported in October and replied to in October ------------------------------------
        # 14 closed: 8 within three days of the report (one exactly 72 hours), 6 after 96 hours
        first = None
        for i in range(7):
            t = utc(2 + i)
            order = o.add(
                t,
                replied=t + 24 * H,
                closed=t + 48 * H,
                satisfaction="satisfied" if i % 2 else "basically_satisfied",
                # two of them were reopened once (unsatisfied) before the resident was satisfied
                reopen_count=1 if i < 2 else 0,
            )
            first = first or order
        t = utc(10)
        o.add(t, replied=t + 24 * H, closed=t + 72 * H, satisfaction="satisfied")  # exactly 72 hours: within
        for i in range(6):
            t = utc(11 + i)
            late = i < 3  # three replied five hours after their deadline (dispatched + 72 h)
            o.add(
                t,
                replied=t + (78 if late else 40) * H,
                closed=t + 96 * H,
                satisfaction="satisfied",
                grid="grid_a2" if i == 5 else "grid_a1",
            )
        # 2 verified (not closed yet) and 2 replied (not verified yet), all replied on time
        for i in range(2):
            t = utc(18 + i)
            o.add(t, status="verified", replied=t + 24 * H, satisfaction="satisfied", category="环境卫生")
        for i in range(2):
            t = utc(20 + i)
            o.add(t, status="replied", replied=t + 24 * H, unit="power_company")
        # --- reported in October, not handled (or not ended) in October ------------------------------------
        t = utc(22)
        # reopened once, replied again in October by its new deadline: handled, on time; one unsatisfied answer
        o.add(
            t,
            status="replied",
            replied=t + 100 * H,
            due=t + 120 * H,
            satisfaction="unsatisfied",
            reopen_count=1,
        )
        t = utc(23)
        # replied, then reopened (unsatisfied), waiting for a new reply: its handling has not ended
        o.add(t, status="reopened", replied=t + 24 * H, due=t + 120 * H, satisfaction="unsatisfied", reopen_count=1)
        # replied on 1 November (local): received in October, handled in November
        o.add(utc(30), status="replied", replied=utc(1, month=11))
        # settled on the spot by the grid worker, closed 30 minutes after the report
        for day in (24, 25):
            t = utc(day)
            o.add(t, settled=True, closed=t + H / 2, result="当场化解")
        # reported at the very first moment of October (local time), still waiting to be dispatched
        o.add(MONTH_START, status="reported")
        # dispatched, not signed for yet
        o.add(utc(29), status="dispatched")
        # a duplicate merged into the first order, and a dispute passed to mediation: received, not handled here
        o.add(utc(26), status="merged", merged_into_id=first.id)
        o.add(utc(27), status="to_mediation", mediation_case_id=case_id)
        # --- not received in October -----------------------------------------------------------------------
        # reported in September, replied on 1 October (local): handled in October, on time; not received
        t = utc(28, month=9)
        o.add(t, replied=utc(1, hour=3), due=utc(1, hour=4), closed=utc(2), satisfaction="satisfied")
        # reported at the first moment of November (local), and in November
        o.add(MONTH_END, status="reported")
        o.add(utc(5, month=11), replied=utc(6, month=11), closed=utc(7, month=11), satisfaction="satisfied")
        # replied on 30 September at 23:00 local: handled in September
        t = utc(25, month=9)
        o.add(t, replied=datetime(2026, 9, 30, 15, 0, tzinfo=UTC), closed=utc(1), satisfaction="satisfied")
        # community B's order in October: another community
        t = utc(12)
        o.add(
            t,
            grid="grid_b1",
            unit="property_company",
            replied=t + 80 * H,
            closed=t + 90 * H,
            satisfaction="unsatisfied",
        )
        db.session.commit()
        db.session.remove()
    return world


# The figures of October 2026 for community A, worked out by hand from the orders above.
#
# received: 18 (replied in October) + 1 (reopened, replied again) + 1 (reopened, waiting) + 1 (replied in
#   November) + 2 (settled) + 1 (first moment of October) + 1 (dispatched) + 1 merged + 1 to mediation = 27;
#   counted in the handling rates (not merged, not passed to mediation): 25
# dispatched: the 25 counted minus the 2 settled and the 1 waiting in the dispatch queue = 22
# settled on the spot: 2
# handled in October (last reply in October, replied / verified / closed now): 18 + 1 (reopened and replied
#   again) + 1 (reported in September) = 20; on time: 20 - 3 late = 17 -> 17 / 20 = 85.0 %
#   (not handled: the one reopened and waiting, the one replied in November, the settled ones, the one
#   replied in September)
# satisfaction: answers = unsatisfied answers (reopen counts: 1 + 1 of two closed orders, 1 of the one
#   replied again, 1 of the one waiting = 4) + verified or closed after a verification (14 closed + 2 verified
#   = 16) = 20; satisfied or basically satisfied: 16 -> 16 / 20 = 80.0 %
# closed within 3 days: 7 (48 h) + 1 (72 h exactly) + 2 settled (0.5 h) = 10 of 25 counted -> 40.0 %
# average handling time: closed orders 7 + 1 + 6 + 2 = 16; hours 7 * 48 + 72 + 6 * 96 + 2 * 0.5 = 336 + 72 +
#   576 + 1 = 985 -> 985 / 16 = 61.5625 -> 61.56 hours
EXPECTED = {
    "received": 27,
    "merged": 1,
    "to_mediation": 1,
    "counted": 25,
    "dispatched": 22,
    "settled": 2,
    "handled": 20,
    "on_time": 17,
    "on_time_rate": 0.85,
    "answers": 20,
    "satisfied": 16,
    "satisfaction_rate": 0.8,
    "closed_3_days": 10,
    "closed_3_days_rate": 0.4,
    "closed": 16,
    "average_hours": 61.56,
}
# by category: 环境卫生 has the 2 verified orders (received 2, handled 2, both on time; 2 answers, 2 satisfied;
# none closed); 设施损坏 the 25 others
# by grid: grid A2 has one closed order (replied on time at 40 h, closed at 96 h): received 1, handled 1


def figures_page(client, **args):
    response = client.get("/grid/figures", query_string=args)
    return response, response.get_data(as_text=True)


def card(html, name):
    """The text of the key figure ``name`` (its <strong>)."""
    match = re.search(rf'data-figure="{name}".*?<strong>(.*?)</strong>', html, re.S)
    return match.group(1).strip()


def gettext_in(app, message, **params):
    """``message`` as the page writes it (the default language)."""
    from app.core.i18n import gettext

    with app.test_request_context():
        return gettext(message, **params)


def test_the_figures_of_a_month_are_reproduced_from_the_records(app, october, client, login_as):
    login_as("admin")  # the street's admin; community A narrows it to the month's orders
    response, html = figures_page(client, area=october.community_a, **OCTOBER)
    assert response.status_code == 200
    assert card(html, "received") == "27"
    assert re.search(r'data-figure="merged">1<', html) and re.search(r'data-figure="to_mediation">1<', html)
    assert card(html, "dispatched") == "22"
    assert card(html, "settled") == "2"
    assert card(html, "on_time_rate") == "85.0%"
    assert card(html, "satisfaction_rate") == "80.0%"
    assert card(html, "closed_3_days_rate") == "40.0%"
    assert card(html, "average_hours") == "61.56"
    text = page_text(response)
    assert gettext_in(app, "%(num)s of %(den)s", num=17, den=20) in text
    assert gettext_in(app, "%(num)s of %(den)s", num=16, den=20) in text
    assert gettext_in(app, "%(num)s of %(den)s", num=10, den=25) in text
    # the definitions are on the page
    with app.test_request_context():
        definitions = [str(definition) for _term, definition in grid_figures.DEFINITIONS]
    for definition in definitions:
        assert definition in html.replace("&#39;", "'")

    # the breakdowns: each category's and each grid's line, and the totals under them
    category_table = html.split('data-breakdown="by_category"')[1].split("</section>")[0]
    rows = dict(re.findall(r'<th scope="row">(.*?)</th><td data-column="received">(\d+)</td>', category_table))
    assert rows == {"设施损坏": "25", "环境卫生": "2", gettext_in(app, "Total"): "27"}
    grid_table = html.split('data-breakdown="by_grid"')[1].split("</section>")[0]
    rows = dict(re.findall(r'<th scope="row">(.*?)</th><td data-column="received">(\d+)</td>', grid_table))
    assert rows == {"回龙社区 回龙第一网格": "26", "回龙社区 回龙第二网格": "1", gettext_in(app, "Total"): "27"}

    # the Excel file holds the same values
    link = re.search(r'href="(/grid/figures\.xlsx\?[^"]+)"', html).group(1).replace("&amp;", "&")
    download = client.get(link)
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stem = gettext_in(app, "Grid work figures")
    assert download.headers["Content-Disposition"] == content_disposition(f"{stem}_2026-10-01_2026-10-31.xlsx")
    # (in Chinese, "网格工单统计_2026-10-01_2026-10-31.xlsx", as filename*=UTF-8''... of RFC 5987, once the catalog
    # translates the stem; content_disposition is what tests/core tests for Chinese names)
    book = load_workbook(io.BytesIO(download.data))
    sheet, breakdown = book.worksheets
    heading = sheet["A1"].value
    assert "回龙社区" in heading and "2026-10-01" in heading and "2026-10-31" in heading
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", heading.split("2026-10-31")[1])  # the time of export
    assert breakdown["A1"].value == heading
    values = {row[0].value: row[1] for row in sheet.iter_rows(min_row=3) if row[0].value}
    with app.test_request_context():
        labels = {
            label: key
            for key, (label, _v, _f) in zip(FIGURE_KEYS, grid_figures.figure_rows(grid_figures.Line("")), strict=True)
        }
    got = {labels[label]: cell.value for label, cell in values.items()}
    assert got == {key: EXPECTED[key] for key in FIGURE_KEYS}
    assert values[gettext_in(app, "On-time rate")].number_format == "0.0%"

    lines = {row[0]: row[1:] for row in breakdown.iter_rows(min_row=2, values_only=True) if row and row[0]}
    # category 环境卫生: received 2, dispatched 2, settled 0, handled 2, on time 100 %, satisfied 100 %,
    # none closed (no 3-day closure, no average)
    assert lines["环境卫生"] == (2, 2, 0, 2, 1.0, 1.0, 0.0, None)
    # grid A2: one order, replied at 40 h (on time), closed at 96 h, satisfied
    assert lines["回龙社区 回龙第二网格"] == (1, 1, 0, 1, 1.0, 1.0, 0.0, 96.0)
    assert lines[gettext_in(app, "Total")] == (27, 22, 2, 20, 0.85, 0.8, 0.4, 61.56)


FIGURE_KEYS = [
    "received",
    "merged",
    "to_mediation",
    "dispatched",
    "settled",
    "handled",
    "on_time",
    "on_time_rate",
    "answers",
    "satisfied",
    "satisfaction_rate",
    "closed_3_days",
    "closed_3_days_rate",
    "average_hours",
]


def compute(app, world, role, **kwargs):
    with app.test_request_context():
        user = db.session.get(User, world.users[role])
        choices = grid_figures.scope_choices(user)
        result = grid_figures.compute_figures(
            choices, kwargs.pop("date_from", date(2026, 10, 1)), kwargs.pop("date_to", date(2026, 10, 31)), **kwargs
        )
        db.session.remove()
    return result


def test_only_the_period_and_the_users_area_count(app, october):
    street = compute(app, october, "admin")  # the street: communities A and B
    assert street.total.received == 28 and street.total.handled == 21  # B's order is reported and replied in October
    community_a = compute(app, october, "admin", area_id=october.community_a)
    assert community_a.total.received == 27 and community_a.total.handled == 20
    community_b = compute(app, october, "admin", area_id=october.community_b)
    assert (community_b.total.received, community_b.total.closed, community_b.total.satisfied) == (1, 1, 0)
    assert community_b.total.on_time_rate == 0.0  # replied at 80 h, due at 73 h

    # one day: the first of October holds the order of its first moment and the reply of the September one
    first_day = compute(app, october, "admin", area_id=october.community_a, date_to=date(2026, 10, 1))
    assert (first_day.total.received, first_day.total.handled, first_day.total.on_time) == (1, 1, 1)
    # November: the order of its first moment and the one of 5 November, and the reply of 1 November
    november = compute(
        app, october, "admin", area_id=october.community_a, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    assert (november.total.received, november.total.handled) == (2, 2)
    empty = compute(app, october, "admin", date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
    assert empty.total.received == 0 and empty.total.on_time_rate is None and empty.total.average_hours is None
    assert empty.by_grid == [] and empty.by_category == []


def test_scope_filters_narrow_the_figures(app, october):
    grid_a2 = compute(app, october, "admin", area_id=october.grid_a2)
    assert (grid_a2.total.received, grid_a2.total.handled, grid_a2.total.average_hours) == (1, 1, 96.0)
    assert [line.title for line in grid_a2.by_grid] == ["回龙社区 回龙第二网格"]
    # the power company has the two replied orders of 20 and 21 October
    power = compute(app, october, "admin", unit_id=october.power_company)
    assert (power.total.received, power.total.dispatched, power.total.handled, power.total.on_time) == (2, 2, 2, 2)
    environment = compute(app, october, "admin", category="环境卫生")
    assert (environment.total.received, environment.total.answers) == (2, 2)
    assert [line.title for line in environment.by_category] == ["环境卫生"]
    # combined: community A's property company, category 设施损坏: the 25 of 设施损坏 without the 2 of the power
    # company and the 5 without a unit (2 settled, 1 waiting, 1 merged, 1 passed to mediation)
    both = compute(
        app, october, "admin", area_id=october.community_a, unit_id=october.property_company, category="设施损坏"
    )
    assert both.total.received == 25 - 2 - 5
    assert compute(app, october, "admin", area_id=october.grid_a2, category="环境卫生").total.received == 0


def test_a_handler_sees_the_orders_of_their_unit_only(app, october, client, login_as):
    handler = compute(app, october, "handler")  # the property company of community A
    # every order of October with the property company: the 27 received in A without the 2 of the power company
    # and the 5 without a unit
    assert handler.total.received == 27 - 2 - 5
    login_as("handler")
    response, html = figures_page(client, **OCTOBER)
    assert response.status_code == 200
    assert card(html, "received") == "20"
    assert 'name="unit"' not in html  # their unit is fixed
    # another unit's figures are not theirs to choose
    assert figures_page(client, unit=october.power_company, **OCTOBER)[0].status_code == 404


@pytest.mark.parametrize("role", ["grid_worker", "mediator", "volunteer", "outsider", "coordinator"])
def test_who_may_not_read_the_figures(client, login_as, world, role):
    login_as(role)
    assert client.get("/grid/figures").status_code == 403
    assert client.get("/grid/figures.xlsx").status_code == 403


def test_anonymous_is_sent_to_the_login(client):
    response = client.get("/grid/figures")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_of_another_community_does_not_learn_community_a(app, october, client, login_as, password_hash):
    with app.app_context():
        make_user("13900000031", "东湖管理", ["admin"], db.session.get(OrgUnit, october.community_b), password_hash)
        db.session.commit()
        october.users["admin_b"] = db.session.query(User.id).filter_by(phone="13900000031").scalar()
        db.session.remove()
    login_as("admin_b")
    for area in (october.community_a, october.grid_a1, october.street):
        assert figures_page(client, area=area, **OCTOBER)[0].status_code == 404
        assert client.get("/grid/figures.xlsx", query_string={"area": area, **OCTOBER}).status_code == 404
    assert figures_page(client, unit=october.power_company, **OCTOBER)[0].status_code == 404
    response, html = figures_page(client, **OCTOBER)
    assert response.status_code == 200
    assert card(html, "received") == "1"  # community B's own order only
    assert "回龙" not in html  # no name of community A, its grids or its units


def test_an_admin_of_a_grid_is_not_community_staff(app, world, client, login_as, password_hash):
    with app.app_context():
        make_user("13900000032", "网格管理", ["admin"], db.session.get(OrgUnit, world.grid_a1), password_hash)
        db.session.commit()
        world.users["grid_admin"] = db.session.query(User.id).filter_by(phone="13900000032").scalar()
        db.session.remove()
    login_as("grid_admin")
    assert client.get("/grid/figures").status_code == 403


def test_staff_find_the_figures_from_the_grid_page(client, login_as, world):
    login_as("admin")
    assert 'href="/grid/figures"' in client.get("/grid/").get_data(as_text=True)
    login_as("grid_worker")
    assert 'href="/grid/figures"' not in client.get("/grid/").get_data(as_text=True)


def test_the_default_period_is_this_month_in_the_communitys_time_zone(app, world, client, login_as):
    from app.core.types import local_today

    login_as("admin")
    response, html = figures_page(client)
    assert response.status_code == 200
    with app.app_context():
        today = local_today()
    assert f'value="{today.replace(day=1).isoformat()}"' in html and f'value="{today.isoformat()}"' in html
    assert card(html, "received") == "0" and card(html, "on_time_rate") == "—"


def test_an_end_before_the_start_is_a_translated_error_keeping_what_was_typed(app, world, client, login_as):
    login_as("admin")
    response, html = figures_page(client, date_from="2026-10-31", date_to="2026-10-01")
    assert response.status_code == 400
    assert gettext_in(app, "The end of the period comes before its start.") in page_text(response)
    assert 'value="2026-10-31"' in html and 'value="2026-10-01"' in html
    assert "data-figure=" not in html


DATE_ARGS = st.one_of(
    st.text(max_size=30),
    st.dates().map(date.isoformat),
    st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "2026-13-01", " ", "\x00"]),
)
SCOPE_ARGS = st.one_of(st.none(), st.text(max_size=12), st.integers(-(2**70), 2**70).map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(date_from=DATE_ARGS, date_to=DATE_ARGS, area=SCOPE_ARGS, unit=SCOPE_ARGS, category=SCOPE_ARGS)
@example(date_from="2026-10-32", date_to="", area=None, unit=None, category=None)
@example(date_from="1900-01-01", date_to="2100-12-31", area=None, unit="0", category="")
def test_any_query_arguments_give_figures_or_a_translated_error(
    app, world, client, login_as, date_from, date_to, area, unit, category
):
    login_as("admin")
    args = {"date_from": date_from, "date_to": date_to}
    for name, value in (("area", area), ("unit", unit), ("category", category)):
        if value is not None:
            args[name] = value
    for path in ("/grid/figures", "/grid/figures.xlsx"):
        response = client.get(path, query_string=args)
        assert response.status_code in (200, 400, 404), (path, args, response.status_code)
        if response.status_code == 400:
            html = response.get_data(as_text=True)
            assert 'class="error"' in html  # the reason is on the form
            errors = " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S))
            assert not re.search(r"[A-Za-z]{4,}", errors.replace("&#39;", "'")) or errors in (
                gettext_in(app, "The end of the period comes before its start."),
            ), errors  # in Chinese, the default language


def test_the_page_runs_the_same_statements_whatever_the_number_of_orders(app, october, client, login_as):
    login_as("admin")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/grid/figures", query_string=OCTOBER)
        many = len(statements)
        statements.clear()
        client.get("/grid/figures", query_string={"date_from": "2025-01-01", "date_to": "2025-01-31"})  # none
        few = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # the user, the scope's areas, units and categories, the figures
    assert many == few == 5


def test_a_year_of_figures_reads_no_orders_table_whole_on_postgresql(app):
    """At the benchmark's data (bench.generate, 20,000 orders over two years), the figures of a year for the
    county are read from the two covering indexes (Index Only Scan), never by a Seq Scan of grid_orders."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("query plans are PostgreSQL's (set DATABASE_URL=postgresql://...)")
    refs = make_data_set(app, scale=2000, extra_users=0)
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM (ANALYZE) grid_orders"))
    client = app.test_client()
    log_in(client)
    path = "/grid/figures?date_from={figures_from}&date_to={figures_to}".format(**refs)
    explained = explain(app, capture_statements(app, client, path))
    figures_plan = next(entry for entry in explained if "grid_orders" in entry["sql"])
    assert not [scan for entry in explained for scan in entry["seq_scans"] if scan[0] == "grid_orders"]
    scans = {
        node.get("Index Name") for node in plan_nodes(figures_plan["plan"]) if node["Node Type"] == "Index Only Scan"
    }
    assert scans == {"ix_grid_orders_figures_reported", "ix_grid_orders_figures_replied"}
