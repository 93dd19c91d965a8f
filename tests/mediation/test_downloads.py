"""Downloads carry Chinese file names (RFC 6266 filename*) and personal documents are not cached."""

from urllib.parse import unquote

from werkzeug.http import parse_options_header

from app.extensions import db
from app.mediation.models import Case
from tests.mediation.factories import make_case


def download_name(response):
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    return options["filename*"] if "filename*" in options else unquote(options["filename"])


def test_the_agreement_pdf_is_named_in_chinese_and_not_cached(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    with app.app_context():
        number = db.session.get(Case, case_id).number
    login_as("mediator")
    response = client.get(f"/mediation/cases/{case_id}/agreement.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert download_name(response) == f"人民调解协议书_{number}.pdf"
    assert "no-store" in response.headers["Cache-Control"]


def test_the_figures_are_named_in_the_readers_language(app, client, login_as, world):
    login_as("mediator")
    response = client.get("/mediation/stats.xlsx?date_from=2026-01-01&date_to=2026-06-30")
    assert download_name(response) == "调解统计_2026-01-01_2026-06-30.xlsx"
    client.post("/language", data={"lang": "en"})
    response = client.get("/mediation/stats.xlsx")
    assert download_name(response) == "Mediation figures.xlsx"
