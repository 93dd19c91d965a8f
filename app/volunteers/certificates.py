"""Certificates of volunteer service (志愿服务证明): a coordinator issues one for an approved volunteer, with its
unique number (LSZ2026-000001), the hours confirmed at that moment and who issued it. The certificate has an
identity, a service and an issuer block; it prints from the browser and downloads as a PDF (WeasyPrint, CJK
fonts, app/static/css/print.css), and carries a QR code of its public verification page.

The verification page needs no login: its URL holds the certificate's number and a check code (an HMAC of the
number with the application's secret key), so numbers cannot be tried one after another. It shows only facts
that are not sensitive: the name masked (张*明), the volunteer number, hours, stars, the date and the issuer;
never a phone or ID number. A wrong number or code is 404."""

import hashlib
import hmac
import os
from decimal import Decimal

from flask import Response, abort, current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.core import operations as core_ops
from app.core.actions import form_action
from app.core.forms import LinliForm
from app.core.i18n import as_locale, force_locale
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.operations import DomainError
from app.core.permissions import roles_required
from app.core.roles import Role
from app.core.types import as_local, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers import queries
from app.volunteers.models import Certificate, Volunteer, organises
from app.volunteers.views import bp, qr_svg

NUMBER_PREFIX = "LSZ"
DOCUMENT_LANGUAGE = "zh_CN"  # a certificate prints in Chinese, whoever reads it
PRINT_CSS = os.path.join("css", "print.css")


# --- rules and reads ------------------------------------------------------------------------------


def can_issue(user, volunteer, check_state=True):
    return organises(user, volunteer.org_unit) and (not check_state or volunteer.is_approved)


def check_code(number):
    """The check code of a certificate number: 16 hex digits of an HMAC with the secret key."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"certificate:{number}".encode(), hashlib.sha256).hexdigest()[:16]


def verification_url(certificate, external=True):
    return url_for(
        "volunteers.verify_certificate",
        number=certificate.number,
        code=check_code(certificate.number),
        _external=external,
    )


def masked_name(name):
    """张*明, 张*, 欧阳**: the first and the last character of a name of three or more, the first of two."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def certificate(certificate_id):
    if not 0 < certificate_id < 2**31:
        return None
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            selectinload(Certificate.volunteer).selectinload(Volunteer.user),
            selectinload(Certificate.volunteer).selectinload(Volunteer.org_unit),
            selectinload(Certificate.issued_by),
        )
    )


def certificate_by_number(number):
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.number == number)
        .options(selectinload(Certificate.volunteer).selectinload(Volunteer.user), selectinload(Certificate.issued_by))
    )


def certificates_of(volunteer):
    return db.session.scalars(
        select(Certificate).where(Certificate.volunteer_id == volunteer.id).order_by(Certificate.id.desc())
    ).all()


# --- issuing --------------------------------------------------------------------------------------


def next_number(year):
    prefix = f"{NUMBER_PREFIX}{year}-"
    last = db.session.scalar(select(func.max(Certificate.number)).where(Certificate.number.startswith(prefix)))
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def issue(actor, volunteer, content=None):
    """A certificate for ``volunteer`` with the hours confirmed now; numbered per year."""
    if not volunteer.is_approved:
        raise DomainError(_("Only an approved volunteer can get a certificate."))
    hours = queries.confirmed_hours(volunteer)
    year = as_local(utcnow()).year
    for _attempt in range(5):
        issued = Certificate(
            number=next_number(year),
            volunteer_id=volunteer.id,
            hours_at_issue=Decimal(hours).quantize(Decimal("0.01")),
            content=(content or "").strip() or None,
            issued_at=utcnow(),
            issued_by_id=actor.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(issued)
                db.session.flush()
        except IntegrityError:
            continue  # somebody took the number at the same moment: take the next one
        break
    else:
        raise DomainError(_("The certificate could not be numbered; please try again."))
    issued.volunteer = volunteer
    core_ops.log(
        actor, "volunteers.certificate_issued", issued, _l("Certificate %(number)s issued", number=issued.number)
    )
    core_ops.notify(
        volunteer.user, _l("Your certificate of service %(number)s is ready.", number=issued.number), "/volunteers/me"
    )
    return issued


# --- the document -----------------------------------------------------------------------------


def document_html(issued, pdf=False):
    hours = Decimal(issued.hours_at_issue)
    with force_locale(as_locale(DOCUMENT_LANGUAGE)):
        return render_template(
            "volunteers/certificate_print.html",
            certificate=issued,
            volunteer=issued.volunteer,
            stars=ops.stars(hours)[0],
            qr=qr_svg(verification_url(issued)),
            url=verification_url(issued),
            pdf=pdf,
        )


def _static_folder():
    return os.path.realpath(current_app.static_folder)


def _local_only(url):
    """Rendering fetches nothing but files of the static folder (the stylesheet) and data: URLs."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "data":
        return url
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = os.path.realpath(unquote(parts.path))
        static = _static_folder()
        if os.path.commonpath([path, static]) == static and os.path.isfile(path):
            return url
    raise ValueError(f"refused to fetch {url!r} while rendering a certificate")


def document_pdf(issued):
    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class LocalURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return super().fetch(_local_only(url), headers)

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # importing WeasyPrint turns it on for the whole process
    static = _static_folder()
    base_url = static + os.sep
    fonts = FontConfiguration()
    fetcher = LocalURLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    with open(os.path.join(static, PRINT_CSS), encoding="utf-8") as fh:
        stylesheet = CSS(string=fh.read(), base_url=base_url, url_fetcher=fetcher, font_config=fonts)
    html = document_html(issued, pdf=True)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet], font_config=fonts
    )


# --- views ------------------------------------------------------------------------------------------


organisers = roles_required(Role.coordinator, Role.admin)


class CertificateForm(LinliForm):
    content = TextAreaField(
        _l("Service described on the certificate"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For example: home visits to elderly residents living alone. Leave empty for none."),
    )


@bp.route("/people/<int:volunteer_id>/certificate", methods=["GET", "POST"])
@organisers
def issue_certificate(volunteer_id):
    volunteer = queries.volunteer(volunteer_id)
    if volunteer is None or not volunteer.can_view(current_user):
        abort(404)
    if not can_issue(current_user, volunteer, check_state=False):
        abort(403)
    form = CertificateForm()
    done = form_action(
        form,
        lambda: issue(current_user, volunteer, form.content.data),
        success=lambda c: _("Certificate %(number)s is issued.", number=c.number),
        next_url=lambda c: url_for(".certificate_page", certificate_id=c.id),
        once=True,
    )
    return done or render_template(
        "volunteers/certificate_form.html",
        form=form,
        volunteer=volunteer,
        hours=queries.confirmed_hours(volunteer),
        issued=certificates_of(volunteer),
        allowed=can_issue(current_user, volunteer),
    )


def load_certificate(certificate_id):
    issued = certificate(certificate_id)
    if issued is None or not issued.can_view(current_user):
        abort(404)
    return issued


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates/<int:certificate_id>")
@roles_required(Role.volunteer, Role.coordinator, Role.admin)
def certificate_page(certificate_id):
    """The print-ready certificate (the browser's print command), for its volunteer and the organisers."""
    issued = load_certificate(certificate_id)
    return _private(current_app.make_response(document_html(issued)))


@bp.get("/certificates/<int:certificate_id>.pdf")
@roles_required(Role.volunteer, Role.coordinator, Role.admin)
def certificate_pdf(certificate_id):
    from app.core.storage import content_disposition

    issued = load_certificate(certificate_id)
    return Response(
        document_pdf(issued),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": content_disposition(f"{issued.number}-志愿服务证明.pdf"),
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/certificates/check/<number>/<code>")
def verify_certificate(number, code):
    """Public: anyone who scans the certificate's QR code sees that it is genuine, and its facts that are not
    sensitive."""
    number = (number or "")[:32]
    if not hmac.compare_digest(check_code(number), (code or "")[:64]):
        abort(404)
    issued = certificate_by_number(number)
    if issued is None:
        abort(404)
    hours = Decimal(issued.hours_at_issue)
    return render_template(
        "volunteers/certificate_verify.html",
        certificate=issued,
        name=masked_name(issued.volunteer.user.name),
        stars=ops.stars(hours)[0],
        issuer=issued.volunteer.org_unit.name,
    )
