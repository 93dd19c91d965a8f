"""Input that once broke the studio's forms: a blank or foreign choice, control characters, numbers and dates
beyond what the database takes, digits of other scripts. Each is refused with a message on the page (nothing
changed, everything typed kept) or stored cleaned, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import select

from app.core.i18n import force_locale, ngettext
from app.core.models import User
from app.extensions import db
from app.mediation.models import Case, MediationSession, Party
from tests.conftest import page_text
from tests.mediation.factories import case_dates, make_case

HUGE = "99999999999999999999"  # beyond 64 bits


def says(app, response, message, wtforms=False, **params):
    """Whether the page shows ``message`` (one of the app's, or of WTForms' own) as a zh_CN reader sees it: in
    Chinese, or in English while the catalog does not have it yet. A parameter may be a callable, called in
    the reader's language (a date written the reader's way)."""
    from flask_babel import force_locale
    from flask_wtf.i18n import translations

    from app.core.i18n import as_locale, gettext

    with app.test_request_context(), force_locale(as_locale("zh_CN")):
        values = {key: value() if callable(value) else value for key, value in params.items()}
        expected = translations.gettext(message) if wtforms else gettext(message, **values)
    return expected in page_text(response)


def says_date_range(app, response):
    from app.core.forms import DATE_MAX, DATE_MIN
    from app.core.templating import date_filter

    return says(
        app,
        response,
        "Enter a date between %(min)s and %(max)s.",
        min=lambda: date_filter(DATE_MIN),
        max=lambda: date_filter(DATE_MAX),
    )


def rows(app):
    """Every row of every table (a refused request must change none)."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def assert_unchanged(app, before):
    after = rows(app)
    assert {name: (len(before[name]), len(after[name])) for name in before if before[name] != after[name]} == {}


def intake(world, **extra):
    when = case_dates()
    data = {
        "source": "party_application",
        "category": "neighbour",
        "risk_level": "low",
        "summary": "楼上卫生间漏水",
        "registered_on": when.registered.isoformat(),
        "grid_id": "0",
        "building_id": "0",
        "reported_by_id": "0",
        "parties-0-role": "applicant",
        "parties-0-name": "张建华",
        "parties-0-sex": "male",
        "parties-0-phone": "13912345678",
        "parties-0-address": "回龙苑3幢302室",
        "parties-0-building_id": "0",
        "parties-1-role": "respondent",
        "parties-1-name": "李秀兰",
        "parties-1-sex": "female",
        "parties-1-phone": "13987654321",
        "parties-1-address": "回龙苑3幢402室",
        "parties-1-building_id": "0",
    }
    data.update(extra)
    return data


def register(client, world, **extra):
    response = client.post("/mediation/cases/new", data=intake(world, **extra))
    assert response.status_code == 302, page_text(response)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def parties_of(app, case_id):
    with app.app_context():
        parties = db.session.scalars(select(Party).where(Party.case_id == case_id).order_by(Party.id)).all()
        db.session.expunge_all()
        return parties


# --- choices ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [" ", "\t", "  \t "])
def test_a_sex_left_blank_with_spaces_is_no_sex(app, client, login_as, world, blank):
    login_as("mediator")
    case_id = register(client, world, **{"parties-1-sex": blank})
    applicant, respondent = parties_of(app, case_id)
    assert applicant.sex == "male" and respondent.sex is None


@pytest.mark.parametrize("value", ["unknown", "male\x00", "Male", "female "])
def test_a_sex_outside_the_choices_is_refused(app, client, login_as, world, value):
    login_as("mediator")
    before = rows(app)
    response = client.post("/mediation/cases/new", data=intake(world, **{"parties-1-sex": value}))
    assert response.status_code == 200
    assert says(app, response, "Not a valid choice.", wtforms=True)
    html = response.get_data(as_text=True)
    assert 'value="李秀兰"' in html and 'value="回龙苑3幢402室"' in html
    assert_unchanged(app, before)


def test_a_presiding_mediator_id_beyond_64_bits_is_not_a_valid_choice(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    accepted_on = case_dates().accepted.isoformat()
    before = rows(app)
    for value in (HUGE, "-" + HUGE, "2147483648", "1e9", "１"):
        response = client.post(
            f"/mediation/cases/{case_id}/accept", data={"presiding_mediator_id": value, "accepted_on": accepted_on}
        )
        assert response.status_code == 200, value
        assert says(app, response, "Not a valid choice.", wtforms=True)
        assert f'value="{accepted_on}"' in response.get_data(as_text=True)
    assert_unchanged(app, before)


def test_ids_beyond_64_bits_in_the_case_list_filters_are_ignored(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    with app.app_context():
        number = db.session.get(Case, case_id).number
    for args in ({"mediator": HUGE}, {"grid": "-" + HUGE}, {"community": HUGE}, {"status": "\x00"}, {"category": " "}):
        response = client.get("/mediation/", query_string=args)
        assert response.status_code == 200, args
    assert number in page_text(client.get("/mediation/", query_string={"category": " ", "status": ""}))


# --- control characters -----------------------------------------------------------------------------


def test_control_characters_are_removed_from_the_intake(app, client, login_as, world):
    login_as("mediator")
    case_id = register(
        client,
        world,
        **{
            "summary": "楼上\x00卫生间\x1b漏水\r\n第二行\t有缩进\x7f\x85",
            "requests": "\x00\x01\x02",
            "address": "回龙苑\x003幢\n302室",
            "parties-0-name": "张\x00建华",
            "parties-0-address": "回龙苑\x0b3幢\u2028302室",
            "parties-1-name": "\x00李秀兰\x00",
        },
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.summary == "楼上卫生间漏水\n第二行\t有缩进"
        assert not case.requests
        assert case.address == "回龙苑3幢 302室"
    applicant, respondent = parties_of(app, case_id)
    assert applicant.name == "张建华" and respondent.name == "李秀兰"
    assert applicant.address == "回龙苑3幢 302室"


def test_control_characters_are_removed_from_a_session_record(app, client, login_as, world):
    case_id = make_case(app, world, upto="rights")
    login_as("mediator")
    when = case_dates()
    response = client.post(
        f"/mediation/cases/{case_id}/sessions/new",
        data={
            "started_at": when.first_session.strftime("%Y-%m-%dT%H:%M"),
            "place": "回龙社区\x00调解室",
            "is_open": "y",
            "attendees": "张建华\x00、李秀兰",
            "applicant_statement": "楼上\x00漏水\r\n已两个月",
            "respondent_statement": "愿意\x1f检查",
            "evidence": "\ufffe照片\uffff",
            "outcome": "约定\x00查看",
            "recorder": "王\x00调解",
        },
    )
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        session = db.session.scalar(select(MediationSession).where(MediationSession.case_id == case_id))
        assert (session.place, session.attendees, session.recorder) == ("回龙社区调解室", "张建华、李秀兰", "王调解")
        assert session.applicant_statement == "楼上漏水\n已两个月"
        assert (session.respondent_statement, session.evidence, session.outcome) == ("愿意检查", "照片", "约定查看")


def test_a_nul_in_the_case_search_is_ignored(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    with app.app_context():
        number = db.session.get(Case, case_id).number
    for query in ("张\x00建华", "\x00张建华", "张建华\x1b", "\x00"):
        response = client.get("/mediation/", query_string={"q": query}, follow_redirects=True)
        assert response.status_code == 200, repr(query)
        assert number in page_text(response), repr(query)


# --- dates and times --------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "1899-12-31T23:59", "9999-12-31T23:59"])
def test_a_session_outside_the_calendar_is_refused(app, client, login_as, world, moment):
    case_id = make_case(app, world, upto="rights")
    login_as("mediator")
    before = rows(app)
    response = client.post(
        f"/mediation/cases/{case_id}/sessions/new",
        data={
            "started_at": moment,
            "place": "回龙社区调解室",
            "is_open": "y",
            "attendees": "张建华、李秀兰",
            "applicant_statement": "楼上漏水已两个月",
            "respondent_statement": "愿意检查",
            "outcome": "约定查看现场",
        },
    )
    assert response.status_code == 200
    assert says_date_range(app, response)
    html = response.get_data(as_text=True)
    assert f'value="{moment}"' in html and "楼上漏水已两个月" in html and 'value="回龙社区调解室"' in html
    assert_unchanged(app, before)


def test_dates_outside_the_calendar_are_refused_on_the_intake(app, client, login_as, world):
    login_as("mediator")
    before = rows(app)
    response = client.post("/mediation/cases/new", data=intake(world, occurred_on="0001-01-01"))
    assert response.status_code == 200
    assert says_date_range(app, response)
    assert 'value="0001-01-01"' in response.get_data(as_text=True)
    assert_unchanged(app, before)


def test_statistics_for_dates_outside_the_calendar_answer(app, client, login_as, world):
    make_case(app, world, upto="registered")
    login_as("mediator")
    response = client.get("/mediation/stats", query_string={"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200
    assert says_date_range(app, response)


# --- digits of other scripts ------------------------------------------------------------------------


def test_full_width_digits_are_stored_as_ascii(app, client, login_as, world):
    login_as("mediator")
    case_id = register(
        client,
        world,
        **{
            "parties-0-phone": "13９ １２３４ ５６７８",
            "parties-0-id_number": "１１０１０５１９４９１２３１００２ｘ",
            "parties-1-phone": "＋８６ １３９８７６５４３２１",
        },
    )
    applicant, respondent = parties_of(app, case_id)
    assert applicant.phone == "13912345678" and applicant.id_number == "11010519491231002X"
    assert respondent.phone == "13987654321"
    with app.app_context():
        number = db.session.get(Case, case_id).number
    assert number in page_text(client.get("/mediation/", query_string={"q": "13912345678"}, follow_redirects=True))


def test_digits_of_other_scripts_are_read_as_digits(app, client, login_as, world):
    login_as("mediator")
    case_id = register(client, world, **{"parties-0-phone": "١٣٩١٢٣٤٥٦٧٨"})  # Arabic-Indic digits
    applicant, _ = parties_of(app, case_id)
    assert applicant.phone == "13912345678"


def test_a_look_alike_account_is_refused_as_a_duplicate(app, client, login_as, world):
    login_as("admin")
    before = rows(app)
    look_alike = "13９０００００００２"  # the mediator's 13900000002 in full-width digits
    response = client.post(
        "/admin/users/new",
        data={
            "phone": look_alike,
            "name": "冒名者",
            "password": "a-safe-pass-2026",
            "roles": ["mediator"],
            "org_unit_id": str(world.community_a),
            "handling_unit_id": "0",
            "home_building_id": "0",
        },
    )
    assert response.status_code == 200
    assert says(app, response, "A user with this mobile number already exists.")
    assert 'value="冒名者"' in response.get_data(as_text=True)
    assert_unchanged(app, before)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id)).where(User.phone.like("%０%"))) == 0


def test_a_new_account_typed_in_full_width_digits_logs_in_with_ascii_digits(app, client, login_as, world):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "phone": "１３７ ０００００００９",
            "name": "钱新人",
            "password": "a-safe-pass-2026",
            "roles": ["volunteer"],
            "org_unit_id": str(world.grid_a2),
            "handling_unit_id": "0",
            "home_building_id": "0",
            "active": "y",
        },
    )
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.phone == "13700000009")) is not None
    fresh = app.test_client()
    assert fresh.post("/login", data={"phone": "13700000009", "password": "a-safe-pass-2026"}).status_code == 302


def test_the_error_summary_counts_every_field_in_error(app, client, login_as, world):
    """Two parties' mobile numbers wrong and the summary missing: three fields marked, and the summary at the
    top of the form says three, not one for the list of parties."""
    login_as("mediator")
    data = intake(world, summary="", **{"parties-0-phone": "12345", "parties-1-phone": "abc"})
    response = client.post("/mediation/cases/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('aria-invalid="true"') == 3
    with app.test_request_context():
        with force_locale("zh_CN"):
            expected = ngettext(
                "Please correct the field marked below.", "Please correct the %(num)d fields marked below.", 3
            )
    assert expected in page_text(response)
