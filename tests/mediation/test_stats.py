"""Studio statistics (调解统计): exact figures over cases built through the real operations, scoping,
the period filter, the Excel workbook, the page template and a constant number of SQL queries."""

import io
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import gettext
from flask_login import login_user
from openpyxl import load_workbook
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from app.core.models import OrgUnit, User
from app.core.types import local_today
from app.extensions import db
from app.mediation import operations as ops
from app.mediation.models import CaseSource, CaseStatus, DisputeCategory
from app.mediation.stats import compute_figures, studio_label, workbook

ENGLISH = {"Accept-Language": "en"}


def parties(tag):
    return [
        {
            "role": "applicant",
            "name": f"张{tag}",
            "sex": "male",
            "phone": None,
            "id_number": "11010519491231002X",
            "address": f"回龙苑{tag}",
        },
        {
            "role": "respondent",
            "name": f"李{tag}",
            "sex": "female",
            "phone": None,
            "id_number": "110101199003077777",
            "address": f"回龙苑{tag}",
        },
    ]


def at(day):
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


class Builder:
    """Takes cases through the operations, as a mediator of their community would."""

    def __init__(self, world):
        self.mediator = db.session.get(User, world.users["mediator"])
        self.outsider = db.session.get(User, world.users["outsider"])
        self.community_a = db.session.get(OrgUnit, world.community_a)
        self.community_b = db.session.get(OrgUnit, world.community_b)
        self.count = 0

    def register(self, category, source, registered_on, community=None, actor=None):
        self.count += 1
        data = {"source": source, "category": category, "summary": f"纠纷{self.count}", "registered_on": registered_on}
        return ops.register_case(actor or self.mediator, community or self.community_a, data, parties(self.count))

    def mediate(self, case, actor=None):
        actor = actor or self.mediator
        day = case.registered_on + timedelta(days=1)
        ops.accept_case(actor, case, actor, day)
        ops.give_rights_notice(actor, case, day)
        ops.record_session(
            actor,
            case,
            {
                "started_at": at(day),
                "place": "调解室",
                "is_open": True,
                "attendees": "双方当事人",
                "applicant_statement": "申请人陈述",
                "respondent_statement": "被申请人陈述",
                "evidence": None,
                "outcome": "继续协商",
                "recorder": actor.name,
            },
        )

    def agree(self, case, form, concluded_on, actor=None):
        ops.record_agreement(
            actor or self.mediator,
            case,
            {
                "form": form,
                "concluded_on": concluded_on,
                "facts": "事实",
                "issues": "争议焦点",
                "terms": "协议内容",
                "oral_note": "口头协议记录" if form == "oral" else None,
            },
        )

    def follow_up(self, case, done_on, performance, applicant, respondent, actor=None):
        ops.record_follow_up(
            actor or self.mediator,
            case.follow_ups[0],
            {
                "done_on": done_on,
                "method": "phone",
                "performance": performance,
                "applicant_satisfaction": applicant,
                "respondent_satisfaction": respondent,
                "flare_up": False,
                "lawsuit": False,
                "note": None,
            },
        )


def build_cases(app, world):
    """Eight cases in community A (registered by its mediator) and one in community B (by B's mediator).

    | case | category            | source            | registered | outcome                                  | closed  |
    |------|---------------------|-------------------|------------|------------------------------------------|---------|
    | a1   | neighbour           | party_application | base       | written agreement; visit performed, 2 ok | base+10 |
    | a2   | neighbour           | grid_report       | base+5     | oral agreement; visit partly, 1 of 2 ok  | base+8  |
    | a3   | property_management | hotline_12345     | base+20    | written agreement; visit pending         | base+26 |
    | a4   | property_management | party_application | base+30    | ended without agreement, archived        | today   |
    | a5   | marriage_family     | police_referral   | base+40    | declined                                 | today   |
    | a6   | neighbour           | party_application | base+50    | accepted (open)                          |         |
    | a7   | other               | own_initiative    | base+60    | registered (open)                        |         |
    | a8   | contract            | court_referral    | base+70    | accepted, withdrawn, archived            | today   |
    | b1   | neighbour           | party_application | base+10    | written agreement; visit performed, 2 ok | base+12 |

    Operations close declined, ended and withdrawn cases on the day they run (today), so base is 100 days ago.
    """
    with app.test_request_context():
        today = local_today()
        base = today - timedelta(days=100)
        b = Builder(world)
        a1 = b.register("neighbour", "party_application", base)
        b.mediate(a1)
        b.agree(a1, "written", base + timedelta(days=10))
        b.follow_up(a1, base + timedelta(days=45), "performed", "satisfied", "basically_satisfied")

        a2 = b.register("neighbour", "grid_report", base + timedelta(days=5))
        b.mediate(a2)
        b.agree(a2, "oral", base + timedelta(days=8))
        b.follow_up(a2, base + timedelta(days=40), "partly", "unsatisfied", "satisfied")

        a3 = b.register("property_management", "hotline_12345", base + timedelta(days=20))
        b.mediate(a3)
        b.agree(a3, "written", base + timedelta(days=26))

        a4 = b.register("property_management", "party_application", base + timedelta(days=30))
        b.mediate(a4)
        ops.end_without_agreement(b.mediator, a4, "双方分歧过大", "可向人民法院起诉")
        ops.archive_case(b.mediator, a4)

        a5 = b.register("marriage_family", "police_referral", base + timedelta(days=40))
        ops.decline_case(b.mediator, a5, "已进入诉讼程序")
        # not archived: archiving a case that never had a mediator breaks the accepted_has_mediator check

        a6 = b.register("neighbour", "party_application", base + timedelta(days=50))
        ops.accept_case(b.mediator, a6, b.mediator, base + timedelta(days=51))

        b.register("other", "own_initiative", base + timedelta(days=60))

        a8 = b.register("contract", "court_referral", base + timedelta(days=70))
        ops.accept_case(b.mediator, a8, b.mediator, base + timedelta(days=71))
        ops.give_rights_notice(b.mediator, a8, base + timedelta(days=71))
        ops.withdraw_case(b.mediator, a8, "申请人撤回")
        ops.archive_case(b.mediator, a8)

        b1 = b.register("neighbour", "party_application", base + timedelta(days=10), b.community_b, b.outsider)
        b.mediate(b1, b.outsider)
        b.agree(b1, "written", base + timedelta(days=12), b.outsider)
        b.follow_up(b1, base + timedelta(days=50), "performed", "satisfied", "satisfied", b.outsider)
        db.session.commit()
    return SimpleNamespace(today=today, base=base)


@pytest.fixture
def cases(app, world):
    return build_cases(app, world)


def figures_for(app, world, role, date_from=None, date_to=None):
    with app.test_request_context():
        user = db.session.get(User, world.users[role])
        return compute_figures(user, date_from, date_to)


def counts(pairs):
    """The non-zero counts of a breakdown, by value."""
    return {str(member): count for member, count in pairs if count}


def test_breakdowns_list_every_member_in_enum_order(app, world, cases):
    figures = figures_for(app, world, "mediator")
    assert [member for member, _ in figures["by_category"]] == list(DisputeCategory)
    assert [member for member, _ in figures["by_source"]] == list(CaseSource)
    assert [member for member, _ in figures["by_status"]] == list(CaseStatus)
    for key in ("by_category", "by_source", "by_status"):
        assert sum(count for _, count in figures[key]) == figures["total"] == 8


def test_figures_of_the_community_mediator(app, world, cases):
    figures = figures_for(app, world, "mediator")
    assert figures["date_from"] is None and figures["date_to"] is None
    assert figures["total"] == 8
    assert counts(figures["by_category"]) == {
        "neighbour": 3,
        "property_management": 2,
        "marriage_family": 1,
        "other": 1,
        "contract": 1,
    }
    assert counts(figures["by_source"]) == {
        "party_application": 3,
        "grid_report": 1,
        "hotline_12345": 1,
        "police_referral": 1,
        "own_initiative": 1,
        "court_referral": 1,
    }
    assert counts(figures["by_status"]) == {
        "followed_up": 2,
        "agreement_reached": 1,
        "archived": 2,
        "declined": 1,
        "accepted": 1,
        "registered": 1,
    }
    assert (figures["agreements"], figures["written_agreements"], figures["oral_agreements"]) == (3, 2, 1)
    # a1, a2, a3 agreed; a4 ended without agreement (now archived, with its end reason). The declined (a5)
    # and withdrawn (a8, archived too, without an end reason) cases never finished a mediation.
    assert figures["finished_mediations"] == 4
    assert figures["agreement_rate"] == pytest.approx(3 / 4)
    # everything but a6 (accepted) and a7 (registered) is closed; 3 of those 6 settled by agreement
    assert figures["closed_cases"] == 6
    assert figures["settled_in_community_rate"] == pytest.approx(3 / 6)
    # a1 10, a2 3, a3 6 days; a4 70, a5 60 and a8 30 days (registered base+30/40/70, closed today = base+100)
    assert figures["average_days_to_close"] == pytest.approx((10 + 3 + 6 + 70 + 60 + 30) / 6)
    assert (figures["follow_up_due"], figures["follow_up_done"], figures["follow_up_performed"]) == (3, 2, 1)
    assert figures["follow_up_performed_rate"] == pytest.approx(1 / 2)
    assert (figures["satisfied_answers"], figures["satisfaction_answers"]) == (3, 4)
    assert figures["satisfaction_rate"] == pytest.approx(3 / 4)


def test_mediator_of_b_sees_only_b_and_the_street_admin_sees_both(app, world, cases):
    b = figures_for(app, world, "outsider")
    assert b["total"] == 1
    assert counts(b["by_category"]) == {"neighbour": 1}
    assert counts(b["by_status"]) == {"followed_up": 1}
    assert b["agreement_rate"] == b["settled_in_community_rate"] == 1.0
    assert b["average_days_to_close"] == pytest.approx(2.0)
    assert b["follow_up_performed_rate"] == b["satisfaction_rate"] == 1.0

    street = figures_for(app, world, "admin")
    assert street["total"] == 9
    assert counts(street["by_category"])["neighbour"] == 4
    assert counts(street["by_source"])["party_application"] == 4
    assert counts(street["by_status"])["followed_up"] == 3
    assert (street["agreements"], street["written_agreements"], street["oral_agreements"]) == (4, 3, 1)
    assert street["agreement_rate"] == pytest.approx(4 / 5)
    assert street["settled_in_community_rate"] == pytest.approx(4 / 7)
    assert street["average_days_to_close"] == pytest.approx((10 + 3 + 6 + 70 + 60 + 30 + 2) / 7)
    assert (street["follow_up_due"], street["follow_up_done"]) == (4, 3)
    assert street["follow_up_performed_rate"] == pytest.approx(2 / 3)
    assert street["satisfaction_rate"] == pytest.approx(5 / 6)


def test_users_of_other_sections_see_nothing_outside_their_unit(app, world, cases):
    grid = figures_for(app, world, "grid_worker")  # grid A1: no case is filed under a grid unit
    assert grid["total"] == 0


def test_period_includes_both_ends(app, world, cases):
    base = cases.base
    figures = figures_for(app, world, "mediator", base + timedelta(days=5), base + timedelta(days=30))
    assert figures["date_from"] == base + timedelta(days=5)
    assert figures["date_to"] == base + timedelta(days=30)
    assert figures["total"] == 3  # a2 (first day), a3, a4 (last day)
    assert counts(figures["by_status"]) == {"followed_up": 1, "agreement_reached": 1, "archived": 1}
    assert (figures["agreements"], figures["written_agreements"], figures["oral_agreements"]) == (2, 1, 1)
    assert figures["agreement_rate"] == pytest.approx(2 / 3)
    assert figures["settled_in_community_rate"] == pytest.approx(2 / 3)
    assert figures["average_days_to_close"] == pytest.approx((3 + 6 + 70) / 3)
    assert (figures["follow_up_due"], figures["follow_up_done"]) == (2, 1)
    assert figures["follow_up_performed_rate"] == 0.0
    assert figures["satisfaction_rate"] == pytest.approx(1 / 2)


def test_open_ended_periods(app, world, cases):
    base = cases.base
    since = figures_for(app, world, "mediator", date_from=base + timedelta(days=50))
    assert since["total"] == 3  # a6, a7 open; a8 withdrawn and archived
    assert counts(since["by_status"]) == {"accepted": 1, "registered": 1, "archived": 1}
    assert since["agreements"] == 0
    assert since["agreement_rate"] is None  # no mediation finished
    assert since["settled_in_community_rate"] == 0.0
    assert since["average_days_to_close"] == pytest.approx(30.0)
    assert since["follow_up_performed_rate"] is None and since["satisfaction_rate"] is None

    until = figures_for(app, world, "mediator", date_to=base + timedelta(days=4))
    assert until["total"] == 1 and until["agreement_rate"] == 1.0


def test_an_empty_period_has_zero_counts_and_no_rates(app, world, cases):
    figures = figures_for(app, world, "admin", cases.base - timedelta(days=30), cases.base - timedelta(days=1))
    assert figures["total"] == 0
    assert all(count == 0 for key in ("by_category", "by_source", "by_status") for _, count in figures[key])
    for key in (
        "agreement_rate",
        "settled_in_community_rate",
        "average_days_to_close",
        "follow_up_performed_rate",
        "satisfaction_rate",
    ):
        assert figures[key] is None, key
    assert figures["follow_up_due"] == figures["follow_up_done"] == 0


def test_workbook_holds_the_same_figures(app, world, cases):
    with app.test_request_context(headers=ENGLISH):
        user = db.session.get(User, world.users["mediator"])
        figures = compute_figures(user, None, cases.today)
        data = workbook(figures)
        labels = {
            key: gettext(msgid)
            for key, msgid in [
                ("total", "Cases registered"),
                ("agreements", "Agreements reached"),
                ("written", "Written agreements"),
                ("oral", "Oral agreements"),
                ("rate", "Agreement rate"),
                ("settled", "Settled within the community"),
                ("days", "Average days to close"),
                ("due", "Follow-up visits scheduled"),
                ("done", "Follow-up visits done"),
                ("performed", "Agreement performance rate"),
                ("satisfaction", "Satisfaction rate"),
                ("to", "To"),
                ("from", "From"),
                ("total_row", "Total"),
            ]
        }
        sheets = [gettext("Dispute category"), gettext("Case source"), gettext("Case status")]
        titles = {str(m.title): m for enum in (DisputeCategory, CaseSource, CaseStatus) for m in enum}

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["汇总", *sheets]
    summary = book["汇总"]
    values = {row[0].value: row[1] for row in summary.iter_rows(min_row=4) if row[0].value}
    assert values[labels["total"]].value == 8
    assert values[labels["agreements"]].value == 3
    assert values[labels["written"]].value == 2
    assert values[labels["oral"]].value == 1
    assert values[labels["rate"]].value == pytest.approx(0.75)
    assert values[labels["rate"]].number_format == "0.0%"
    assert values[labels["settled"]].value == pytest.approx(0.5)
    assert values[labels["settled"]].number_format == "0.0%"
    assert values[labels["days"]].value == pytest.approx(179 / 6)
    assert values[labels["due"]].value == 3 and values[labels["done"]].value == 2
    assert values[labels["performed"]].value == pytest.approx(0.5)
    assert values[labels["satisfaction"]].value == pytest.approx(0.75)
    assert values[labels["satisfaction"]].number_format == "0.0%"
    assert values[labels["from"]].value is None
    assert values[labels["to"]].value.date() == cases.today
    assert summary.column_dimensions["A"].width >= 20

    for sheet_name, key in zip(sheets, ("by_category", "by_source", "by_status"), strict=True):
        sheet = book[sheet_name]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))  # below the two heading rows and the header
        assert rows[-1][:2] == (labels["total_row"], 8)
        body = {titles[row[0]]: row[1] for row in rows[:-1]}
        assert body == dict(figures[key])
        shares = {titles[row[0]]: row[2] for row in rows[:-1]}
        assert shares[next(m for m, c in figures[key] if c)] == pytest.approx(next(c for _, c in figures[key] if c) / 8)
        assert sheet.cell(row=4, column=3).number_format == "0.0%"
        assert sheet.column_dimensions["A"].width >= 10
    assert (
        dict((titles[row[0]], row[1]) for row in book[sheets[0]].iter_rows(min_row=4, max_row=18, values_only=True))[
            DisputeCategory.neighbour
        ]
        == 3
    )


def test_every_sheet_names_the_studio_the_period_and_the_time_of_export(app, world, cases):
    exported_at = datetime(2026, 7, 1, 2, 5, tzinfo=UTC)  # 10:05 in Shanghai
    date_from, date_to = cases.base, cases.base + timedelta(days=30)
    with app.test_request_context():
        user = db.session.get(User, world.users["mediator"])
        studio = studio_label(user)
        figures = compute_figures(user, date_from, date_to)
        data = workbook(figures, studio=studio, exported_at=exported_at)
        labels = {key: gettext(key) for key in ("Figure", "Cases registered", "Agreement rate")}
    assert studio == "回龙社区调解工作室"
    book = load_workbook(io.BytesIO(data))
    period = f"{date_from.isoformat()}至{date_to.isoformat()}"
    for sheet, columns in zip(book.worksheets, "BCCC", strict=True):
        assert sheet["A1"].value == "回龙社区调解工作室调解统计"
        assert sheet["A2"].value == f"统计期间：{period}；导出时间：2026-07-01 10:05"
        # merged across the table's columns, above it
        assert {str(r) for r in sheet.merged_cells.ranges} == {f"A1:{columns}1", f"A2:{columns}2"}
        assert sheet.freeze_panes == "A4"
    # and the figures below still read back as they are
    summary = book["汇总"]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=4, values_only=True)}
    assert summary["A3"].value == labels["Figure"]
    assert values[labels["Cases registered"]] == figures["total"] > 0
    assert values[labels["Agreement rate"]] == pytest.approx(figures["agreement_rate"])
    categories = book.worksheets[1]
    rows = list(categories.iter_rows(min_row=4, values_only=True))
    assert rows[-1][1] == figures["total"]
    assert sum(row[1] for row in rows[:-1]) == figures["total"]
    assert categories.column_dimensions["A"].width < 40  # not as wide as the heading text


def test_the_heading_of_an_open_period_and_of_the_street(app, world, cases):
    with app.test_request_context():
        admin = db.session.get(User, world.users["admin"])
        studio = studio_label(admin)
        book = load_workbook(io.BytesIO(workbook(compute_figures(admin, None, None), studio=studio)))
        street = admin.org_unit.name
    assert studio == street  # the street's staff see the studios of its communities
    assert book["汇总"]["A1"].value == f"{street}调解统计"
    assert book["汇总"]["A2"].value.startswith("统计期间：全部案件；导出时间：")


def test_workbook_of_an_empty_period_opens(app, world):
    with app.test_request_context():
        user = db.session.get(User, world.users["admin"])
        data = workbook(compute_figures(user, None, None))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 4


def render_app(app, app_config):
    """The app whose stats page is rendered: the test app once the view exists, else a fresh app with a
    stand-in for the Excel download endpoint (the view is written separately)."""
    if "mediation.stats_xlsx" in app.view_functions:
        return app
    from app import create_app

    other = create_app(dict(app_config))
    other.add_url_rule("/mediation/stats.xlsx", endpoint="mediation.stats_xlsx", view_func=lambda: "")
    return other


def test_page_shows_the_figures(app, app_config, world, cases):
    from flask import render_template

    from app.mediation.forms import StatsForm

    target = render_app(app, app_config)
    date_from = cases.base.isoformat()
    with target.test_request_context(f"/mediation/stats?date_from={date_from}", headers=ENGLISH):
        user = db.session.get(User, world.users["mediator"])
        login_user(user)
        form = StatsForm(MultiDict({"date_from": date_from}))
        form.validate()
        figures = compute_figures(user, form.date_from.data, form.date_to.data)
        html = render_template("mediation/stats.html", form=form, figures=figures)
        expected = [
            gettext("Mediation statistics"),
            gettext("Settled within the community"),
            gettext("Satisfaction rate"),
            str(DisputeCategory.property_management.title),
        ]
    for text in expected:
        assert text in html
    assert 'data-figure="agreement_rate"' in html and "75.0%" in html
    assert 'data-figure="settled_in_community_rate"' in html and "50.0%" in html
    assert "29.8" in html  # average days to close
    assert f"stats.xlsx?date_from={date_from}" in html
    assert 'name="date_from"' in html and 'name="date_to"' in html
    assert 'name="csrf_token"' not in html.split('class="filters"')[1].split("</form>")[0]


def count_queries(app, world, role):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.test_request_context():
        db.session.remove()
        user = db.session.get(User, world.users[role])
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            compute_figures(user, None, None)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_query_count_does_not_grow_with_the_number_of_cases(app, world):
    def add_cases(n, start):
        with app.test_request_context():
            b = Builder(world)
            b.count = start
            day = local_today() - timedelta(days=40)
            for i in range(n):
                case = b.register(list(DisputeCategory)[i % 15], "party_application", day)
                if i % 3 == 0:
                    b.mediate(case)
                    b.agree(case, "written", day + timedelta(days=2))
                    b.follow_up(case, day + timedelta(days=35), "performed", "satisfied", None)
            db.session.commit()

    add_cases(3, 0)
    few = count_queries(app, world, "mediator")
    add_cases(27, 3)
    many = count_queries(app, world, "mediator")
    assert figures_for(app, world, "mediator")["total"] == 30
    assert many == few
    assert few <= 6  # five aggregate queries, plus loading the user's unit


def test_pages_through_http(app, world, cases, client, login_as):
    login_as("admin")
    date_from = (cases.base + timedelta(days=5)).isoformat()
    date_to = (cases.base + timedelta(days=30)).isoformat()
    page = client.get(f"/mediation/stats?date_from={date_from}&date_to={date_to}")
    assert page.status_code == 200
    assert 'data-figure="agreement_rate"' in page.get_data(as_text=True)
    download = client.get(f"/mediation/stats.xlsx?date_from={date_from}&date_to={date_to}")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert book["汇总"]["B6"].value == 4  # cases registered: a2, a3, a4 and, for the street admin, b1
