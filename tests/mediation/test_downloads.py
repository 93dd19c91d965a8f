"""Downloads carry Chinese file names (RFC 6266: an ASCII ``filename`` and ``filename*=UTF-8''...``, RFC 5987),
whatever the reader's language, and personal documents are not cached."""

import re
from urllib.parse import quote, unquote

from werkzeug.http import parse_options_header

from app.extensions import db
from app.mediation.models import Case
from tests.mediation.factories import make_case


def download_name(response):
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    return options["filename*"] if "filename*" in options else unquote(options["filename"])


def check_header(response, name):
    """Both forms of the name are there: ``filename*`` in UTF-8 for current browsers, an ASCII ``filename`` that
    keeps the extension for old ones."""
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # a header value the server can send
    assert f"filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}" in header
    fallback = re.search(r'(?:^|;)\s*filename="?([^";]*)"?', header).group(1)
    assert fallback.isascii() and fallback.endswith("." + name.rsplit(".", 1)[1]), fallback


def test_the_agreement_pdf_is_named_in_chinese_and_not_cached(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    with app.app_context():
        number = db.session.get(Case, case_id).number
    login_as("mediator")
    response = client.get(f"/mediation/cases/{case_id}/agreement.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # 回龙调〔2026〕第001号-人民调解协议书.pdf
    assert download_name(response) == f"{number}-人民调解协议书.pdf"
    check_header(response, f"{number}-人民调解协议书.pdf")
    assert "no-store" in response.headers["Cache-Control"]
    # an English reader gets the same file
    client.post("/language", data={"lang": "en"})
    response = client.get(f"/mediation/cases/{case_id}/agreement.pdf")
    assert download_name(response) == f"{number}-人民调解协议书.pdf"


def test_the_figures_are_named_in_chinese_after_the_studio_and_the_period(app, client, login_as, world):
    login_as("mediator")
    response = client.get("/mediation/stats.xlsx?date_from=2026-01-01&date_to=2026-06-30")
    assert response.status_code == 200
    name = download_name(response)
    assert name == "回龙社区调解工作室-调解统计-2026-01-01至2026-06-30.xlsx"
    check_header(response, name)
    assert "no-store" in response.headers["Cache-Control"]
    client.post("/language", data={"lang": "en"})
    assert download_name(client.get("/mediation/stats.xlsx")) == "回龙社区调解工作室-调解统计-全部案件.xlsx"
    assert download_name(client.get("/mediation/stats.xlsx?date_from=2026-01-01")) == (
        "回龙社区调解工作室-调解统计-2026-01-01起.xlsx"
    )
    assert download_name(client.get("/mediation/stats.xlsx?date_to=2026-06-30")) == (
        "回龙社区调解工作室-调解统计-截至2026-06-30.xlsx"
    )


def test_the_street_admin_gets_the_figures_named_after_the_street(app, client, login_as, world):
    login_as("admin")
    with app.app_context():
        from app.core.models import OrgUnit, User

        admin = db.session.get(User, world.users["admin"])
        unit = db.session.get(OrgUnit, admin.org_unit_id).name
    response = client.get("/mediation/stats.xlsx?date_from=2026-01-01&date_to=2026-06-30")
    assert download_name(response) == f"{unit}-调解统计-2026-01-01至2026-06-30.xlsx"
