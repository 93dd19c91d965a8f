"""Printable statutory documents of a mediation case: the written agreement (人民调解协议书, also as PDF),
the rights and obligations notice (人民调解权利义务告知书) and the session record (调解笔录).

The HTML pages are for the browser's print: a standalone layout (no navigation, no inline script or style, so
the Content-Security-Policy holds) with app/static/css/print.css. The PDF is rendered by WeasyPrint from the same
template and the same stylesheet, read from disk, with every fetch outside the static folder refused.

The agreement shows full ID and phone numbers only to a user who may see them (``case.can_see_private``: the
case's mediators and admins); anyone else gets them masked, as on the case page. Called outside a request (a
trusted server-side job), it prints them in full.

They are legal documents: they print in Chinese whatever the reader's language (``LEGAL_LANGUAGE``), titles of
statuses and categories included, and the files are named in Chinese (``download_name``). The parties are
listed as the Ministry of Justice's 2010 formats (人民调解文书格式) list them: 姓名 性别 民族 年龄 职业 住所
联系方式, the optional ones when they were recorded.
"""

import os
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template
from flask_babel import format_datetime, get_locale

from app.core.i18n import as_locale, force_locale
from app.core.i18n import lazy_gettext as _l
from app.mediation.models import AgreementForm, PartyRole

PRINT_CSS = os.path.join("css", "print.css")
# the language every legal document prints in, whoever reads it
LEGAL_LANGUAGE = "zh_CN"

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n):
    """``n`` (1 to 99) in Chinese numerals, as a document writes a count: 一, 二 … 十, 十一 … 二十, 二十一 … 九十九."""
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 99:
        raise ValueError(f"chinese_numeral takes a whole number from 1 to 99, not {n!r}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def legal_language():
    """Inside the block, gettext, dates and enum titles are those of the legal documents' language."""
    return force_locale(as_locale(LEGAL_LANGUAGE))


def _legal(render):
    """Render a legal document in its language."""
    with legal_language():
        return render()


class DocumentError(ValueError):
    """The case has nothing to print for this document (e.g. no written agreement)."""


def _parties_by_role(case):
    """Parties in the order of the law's forms: applicants, respondents, then other parties."""
    order = {PartyRole.applicant: 0, PartyRole.respondent: 1, PartyRole.other: 2}
    return sorted(case.parties, key=lambda p: (order.get(p.role, 3), p.position))


def _written_agreement(case):
    agreement = case.agreement
    if agreement is None or agreement.form != AgreementForm.written:
        raise DocumentError(f"case {case.number} has no written agreement")
    return agreement


def _recorder(case):
    """Who recorded the agreement: the recorder of the last session, when one was named."""
    for session in reversed(case.sessions):
        if session.recorder:
            return session.recorder
    return None


def _shows_private(case):
    """Full phone and ID numbers for the case's own mediators and admins (and server-side jobs); masked for
    everyone else."""
    if not has_request_context():
        return True
    from flask_login import current_user

    return bool(case.can_see_private(current_user))


def _agreement_context(case, pdf):
    agreement = _written_agreement(case)
    return {
        "case": case,
        "agreement": agreement,
        "parties": _parties_by_role(case),
        "recorder": _recorder(case),
        "private": _shows_private(case),
        "copies": chinese_numeral(agreement.copies),
        "pdf": pdf,
    }


def _agreement_page(case, pdf):
    return _legal(lambda: render_template("mediation/print/agreement.html", **_agreement_context(case, pdf)))


def agreement_html(case):
    """The written mediation agreement (人民调解协议书) as a print-ready page."""
    return _agreement_page(case, pdf=False)


def rights_notice_html(case):
    """The rights and obligations notice (人民调解权利义务告知书), People's Mediation Law articles 23 and 24."""
    return _legal(
        lambda: render_template(
            "mediation/print/rights_notice.html", case=case, parties=_parties_by_role(case), pdf=False
        )
    )


def local_datetime(value):
    """A date and time in the installation's time zone (Asia/Shanghai), the way the reader's language writes
    it, to the minute: 2026年11月20日星期五 14:30 / Friday, November 20, 2026, 2:30 PM."""
    locale = get_locale()
    pattern = (
        str(locale.datetime_formats["medium"])
        .replace("{1}", locale.date_formats["full"].pattern)
        .replace("{0}", locale.time_formats["short"].pattern)
    )
    return format_datetime(value, pattern)


def session_html(session):
    """The session record (调解笔录) of one mediation session."""
    case = session.case
    return _legal(
        lambda: render_template(
            "mediation/print/session.html",
            case=case,
            session=session,
            parties=_parties_by_role(case),
            started_at=local_datetime(session.started_at),
            pdf=False,
        )
    )


# --- file names ------------------------------------------------------------------------------

_TITLES = {
    "agreement": _l("People's mediation agreement"),
}


def download_name(case, document, extension):
    """The Chinese name of a document's file, after its case number: 回龙调〔2026〕第012号-人民调解协议书.pdf."""
    with legal_language():
        title = str(_TITLES[document])
    return f"{case.number}-{title}.{extension}"


# --- PDF -------------------------------------------------------------------------------------


def _static_folder():
    return os.path.realpath(current_app.static_folder)


def check_local_url(url):
    """Refuse (``ValueError``) every URL but a file inside the static folder or a data: URL: rendering a
    document never goes to the network nor reads other files."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return url
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = os.path.realpath(unquote(parts.path))
        static = _static_folder()
        if os.path.commonpath([path, static]) == static and os.path.isfile(path):
            return url
    raise ValueError(f"refused to fetch {url!r} while rendering a PDF")


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    class LocalURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return super().fetch(check_local_url(url), headers)

    return LocalURLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def _render_pdf(html):
    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # importing WeasyPrint makes Pillow accept truncated images for the whole process: uploads must not
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    static = _static_folder()
    base_url = static + os.sep
    font_config = FontConfiguration()
    url_fetcher = _url_fetcher()
    with open(os.path.join(static, PRINT_CSS), encoding="utf-8") as fh:
        stylesheet = CSS(string=fh.read(), base_url=base_url, url_fetcher=url_fetcher, font_config=font_config)
    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher).write_pdf(
        stylesheets=[stylesheet], font_config=font_config
    )


def agreement_pdf(case):
    """The written agreement as an A4 PDF, Chinese text embedded (Noto CJK / Source Han fonts)."""
    return _render_pdf(_agreement_page(case, pdf=True))
