"""The studio against careless or hostile input and the edges of its rules: case-number formats that would
exhaust memory or overflow the number column, the view entry of every page that shows a case's private
details, and a mediator attached to a grid, who works for the studio of that grid's community."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, OrgUnit, User
from app.core.operations import DomainError
from app.extensions import db
from app.mediation import operations as ops
from app.mediation.models import Case, Studio
from app.mediation.stats import compute_figures
from tests.conftest import database_rows, make_user, page_text
from tests.mediation.factories import case_dates, make_case

# --- the case-number format --------------------------------------------------------------------------

STUDIO_FORM = {
    "name": "回龙调解工作室",
    "committee_name": "回龙社区人民调解委员会",
    "number_prefix": "回龙调",
    "follow_up_days": "30",
    "retention_years": "10",
}

GOOD_FORMATS = [
    "{prefix}〔{year}〕第{seq:03d}号",  # the default
    "{prefix}{seq}",
    "{seq}",
    "{prefix}-{year:04d}-{seq:010d}",
    "{prefix}{year}{seq:3}",
    "{prefix}{year:d}{seq:d}",
    "{{{prefix}}}{seq:05d}",  # literal braces
]

BAD_FORMATS = [
    "{prefix}{seq:>99999999999}",  # gigabytes per number
    "{prefix}{seq:99999999}",
    "{prefix}{seq:011d}",  # wider than ten
    "{prefix}{seq:,}",
    "{prefix}{seq:x}",
    "{prefix}{seq:.3}",
    "{prefix}{seq:*^9}",
    "{prefix}{seq:{year}}",  # a nested field
    "{prefix:>50}{seq}",  # {prefix} takes nothing
    "{prefix!r}{seq}",
    "{prefix}{seq!s}",
    "{prefix}{seq.real}",
    "{prefix}{seq[0]}",
    "{prefix}{0}{seq}",
    "{prefix}{}{seq}",
    "{prefix}{month}{seq}",
    "{prefix}{year",
    "{prefix}}{seq}",
    "{prefix}{year}",  # no {seq}
    "{seq:010d}{seq:010d}{seq:010d}{seq:010d}{seq:010d}{seq:010d}x",  # longer than the number column
]


@pytest.mark.parametrize("number_format", GOOD_FORMATS)
def test_safe_number_formats_are_accepted(app, world, number_format):
    with app.test_request_context():
        community = db.session.get(OrgUnit, world.community_a)
        ops.update_studio(
            db.session.get(User, world.users["mediator"]), community, dict(STUDIO_FORM, number_format=number_format)
        )
        studio = db.session.scalar(select(Studio).where(Studio.org_unit_id == community.id))
        number = studio.format_number(9999, 999_999)
        assert len(number) <= Case.number.type.length


@pytest.mark.parametrize("number_format", BAD_FORMATS)
def test_unsafe_number_formats_are_refused(app, world, number_format):
    with app.test_request_context():
        community = db.session.get(OrgUnit, world.community_a)
        with pytest.raises(DomainError) as refused:
            ops.update_studio(
                db.session.get(User, world.users["mediator"]), community, dict(STUDIO_FORM, number_format=number_format)
            )
        assert refused.value.field == "number_format" and str(refused.value)


def test_a_long_prefix_counts_towards_the_length_of_the_number(app, world):
    with app.test_request_context():
        community = db.session.get(OrgUnit, world.community_a)
        mediator = db.session.get(User, world.users["mediator"])
        data = dict(STUDIO_FORM, number_prefix="调" * 20, number_format="{prefix}{prefix}{prefix}{seq}")
        with pytest.raises(DomainError) as refused:
            ops.update_studio(mediator, community, data)
        assert refused.value.field == "number_format"
        ops.update_studio(mediator, community, dict(data, number_format="{prefix}〔{year}〕第{seq:03d}号"))


def test_the_studio_form_refuses_a_format_that_exhausts_memory_and_changes_nothing(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")  # the studio exists, with its default format
    login_as("mediator")
    with app.app_context():
        before = database_rows()
    response = client.post("/mediation/studio", data=dict(STUDIO_FORM, number_format="{prefix}{seq:>99999999999}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="number_format-error"' in html and 'value="{prefix}{seq:&gt;99999999999}"' in html
    with app.app_context():
        assert database_rows() == before
        assert db.session.get(Case, case_id).studio.number_format == "{prefix}〔{year}〕第{seq:03d}号"
    # the next case still gets a number of the old format
    second = make_case(app, world, upto="registered")
    with app.app_context():
        assert db.session.get(Case, second).number == f"回龙调〔{case_dates().registered.year}〕第002号"


# --- every page that shows a case's private details writes a view entry -------------------------------

PRIVATE_PAGES = {
    "mediation.show": "/mediation/cases/{case}",
    "mediation.print_rights_notice": "/mediation/cases/{case}/rights-notice/print",
    "mediation.show_session": "/mediation/cases/{case}/sessions/{session}",
    "mediation.agreement": "/mediation/cases/{case}/agreement",  # the form shows the facts and the terms
    "mediation.print_agreement": "/mediation/cases/{case}/agreement/print",
    "mediation.agreement_pdf": "/mediation/cases/{case}/agreement.pdf",
    "mediation.attachment": "/mediation/cases/{case}/attachments/{attachment}",
}


@pytest.fixture
def pillow_settings():
    """Put Pillow's process-wide LOAD_TRUNCATED_IMAGES back: importing WeasyPrint (the agreement's PDF) turns
    it on, and tests of uploads expect damaged images to be refused."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    yield
    ImageFile.LOAD_TRUNCATED_IMAGES = saved


def view_entries(app, case_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "mediation.case_viewed", AuditEntry.target_id == case_id)
            .order_by(AuditEntry.id)
        ).all()


@pytest.mark.parametrize("endpoint", sorted(PRIVATE_PAGES))
@pytest.mark.parametrize("role", ["mediator", "admin"])
def test_every_page_with_private_details_is_a_logged_view(
    app, client, login_as, world, pillow_settings, endpoint, role
):
    case_id = make_case(app, world, upto="agreement")
    with app.app_context():
        case = db.session.get(Case, case_id)
        url = PRIVATE_PAGES[endpoint].format(
            case=case.id, session=case.sessions[0].id, attachment=case.attachments[0].id
        )
    user_id = login_as(role)
    before = view_entries(app, case_id)
    response = client.get(url)
    assert response.status_code == 200
    after = view_entries(app, case_id)
    assert [(entry.actor_id, entry.data["private"]) for entry in after[len(before) :]] == [(user_id, True)]


def test_the_agreement_form_shows_the_terms_and_logs_the_view_of_a_colleague(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    login_as("mediator")
    response = client.get(f"/mediation/cases/{case_id}/agreement")
    assert "被申请人于2026年12月10日前" in page_text(response)
    # a colleague may not open the form (403), and nothing is written for a refused request
    login_as("colleague")
    with app.app_context():
        before = database_rows()
    assert client.get(f"/mediation/cases/{case_id}/agreement").status_code == 403
    with app.app_context():
        assert database_rows() == before


def test_a_refused_agreement_post_writes_no_view_entry(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    login_as("mediator")
    with app.app_context():
        before = database_rows()
        version = db.session.get(Case, case_id).agreement.version
    response = client.post(f"/mediation/cases/{case_id}/agreement", data={"version": str(version), "facts": ""})
    assert response.status_code == 200
    with app.app_context():
        assert database_rows() == before


# --- a mediator attached to a grid -------------------------------------------------------------------


@pytest.fixture
def grid_mediator(app, world, login_as):
    """A mediator whose unit is grid A1 (of community A)."""
    with app.app_context():
        password_hash = db.session.get(User, world.users["mediator"]).password_hash
        user = make_user("13900000055", "网格调解", ["mediator"], db.session.get(OrgUnit, world.grid_a1), password_hash)
        db.session.commit()
        world.users["grid_mediator"] = user.id
    return user.id


def intake(world):
    when = case_dates()
    return {
        "source": "party_application",
        "category": "neighbour",
        "risk_level": "low",
        "summary": "楼道堆物引发争吵",
        "registered_on": when.today.isoformat(),
        "grid_id": str(world.grid_a1),
        "building_id": "0",
        "address": "回龙苑5幢",
        "parties-0-role": "applicant",
        "parties-0-name": "赵大妈",
        "parties-0-phone": "13711112222",
        "parties-1-role": "respondent",
        "parties-1-name": "钱大爷",
    }


def register_as_grid_mediator(client, login_as, world):
    login_as("grid_mediator")
    assert client.get("/mediation/cases/new").status_code == 200
    response = client.post("/mediation/cases/new", data=intake(world))
    assert response.status_code == 302, page_text(response)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def test_a_grid_mediator_registers_a_case_of_the_community(app, client, login_as, world, grid_mediator):
    case_id = register_as_grid_mediator(client, login_as, world)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.org_unit_id == world.community_a and case.registered_by_id == grid_mediator
        number = case.number
    other_a = make_case(app, world, upto="registered")  # by the mediator of community A
    make_case(app, world, upto="registered", community="community_b")
    with app.app_context():
        number_a = db.session.get(Case, other_a).number
        numbers_b = db.session.scalars(select(Case.number).where(Case.org_unit_id == world.community_b)).all()
    # the studio's list: every case of community A, none of B
    listing = page_text(client.get("/mediation/"))
    assert number in listing and number_a in listing
    assert not [n for n in numbers_b if n in listing]
    # the figures count the community's cases
    with app.test_request_context():
        figures = compute_figures(db.session.get(User, grid_mediator))
        assert figures["total"] == 2
    assert client.get("/mediation/stats").status_code == 200


def test_a_grid_mediator_opens_the_case_and_the_studio(app, client, login_as, world, grid_mediator):
    case_id = register_as_grid_mediator(client, login_as, world)
    assert client.get(f"/mediation/cases/{case_id}").status_code == 200
    assert client.get(f"/mediation/cases/{case_id}/status").status_code == 200
    assert client.get("/mediation/studio").status_code == 200
    other_b = make_case(app, world, upto="registered", community="community_b")
    assert client.get(f"/mediation/cases/{other_b}").status_code == 404


def test_a_grid_mediator_sees_nothing_of_another_community(app, client, login_as, world, grid_mediator):
    other_b = make_case(app, world, upto="agreement", community="community_b")
    login_as("grid_mediator")
    with app.app_context():
        number_b = db.session.get(Case, other_b).number
        count = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert number_b not in page_text(client.get("/mediation/"))
    assert number_b not in page_text(client.get("/mediation/oral-agreements"))
    assert client.get(f"/mediation/cases/{other_b}").status_code == 404
    assert client.get(f"/mediation/cases/{other_b}/agreement").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == count


def test_first_cases_of_a_community_registered_at_the_same_moment(app, world, login_as):
    """Six intakes sent together from six connections to a community with no studio yet: one studio is made,
    every intake is registered, and the numbers are 1 to 6 (on SQLite and PostgreSQL alike)."""
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        login_as("mediator", client)
        client.csrf_token()
    barrier = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def intake_now(i):
        barrier.wait()
        statuses[i] = clients[i].post("/mediation/cases/new", data=dict(intake(world), summary=f"漏水{i}")).status_code

    threads = [threading.Thread(target=intake_now, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302] * len(clients)
    with app.app_context():
        studios = db.session.scalars(select(Studio).where(Studio.org_unit_id == world.community_a)).all()
        seqs = db.session.scalars(select(Case.seq).where(Case.org_unit_id == world.community_a)).all()
    assert len(studios) == 1
    assert sorted(seqs) == [1, 2, 3, 4, 5, 6]


def test_a_refused_first_intake_of_a_community_leaves_nothing(app, client, world, login_as):
    """The first intake of a community, refused by a rule of the operation (a dispute that began after the day
    it was registered): no studio is left behind either."""
    login_as("mediator")
    when = case_dates()
    with app.app_context():
        before = database_rows()
    data = dict(intake(world), occurred_on=when.today.isoformat())
    data["registered_on"] = (when.today - timedelta(days=3)).isoformat()
    response = client.post("/mediation/cases/new", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Studio)) == 0
        assert database_rows() == before
