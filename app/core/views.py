"""Home page per role, language switch, notifications inbox, health check."""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text

from app.core import operations, registry
from app.core.i18n import gettext as _
from app.core.i18n import normalise
from app.core.models import Notification
from app.core.pagination import paginate
from app.core.security import safe_next
from app.extensions import csrf, db, limiter

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("core/welcome.html")
    return render_template("core/home.html", home_cards=registry.home_cards(current_user))


@bp.post("/language")
def set_language():
    code = normalise(request.form.get("lang"))
    if code is None:
        abort(400)
    session["lang"] = code
    if current_user.is_authenticated:
        operations.set_language(current_user, code)
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))


@bp.get("/notifications")
@login_required
def notifications():
    page = paginate(
        select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    return render_template("core/notifications.html", page=page)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id):
    note = db.get_or_404(Notification, notification_id)
    if not note.can_open(current_user):
        abort(404)
    operations.mark_read(note)
    db.session.commit()
    return redirect(safe_next(note.link, url_for("core.notifications")))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications():
    operations.mark_all_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("core.notifications"))


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure of the database is reported, not raised
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", error)
        return jsonify(status="error", database="unreachable", reason=type(error).__name__), 503
    return jsonify(status="ok", database="ok")


# Registered only when LINLI_BENCH is set: the floor that benchmarks compare pages against.
bench_bp = Blueprint("bench", __name__)


@bench_bp.get("/_bench/floor")
@limiter.exempt
def floor():
    return render_template("core/floor.html")


@bench_bp.get("/_bench/audited")
@limiter.exempt
@login_required
def audited_floor():
    """The least a case page must do beyond the floor: load the logged-in user and write and commit the audit
    entry of the view (the benchmark's lower bound for pages that log every view)."""
    operations.log(current_user, "bench.floor_viewed")
    page = render_template("core/floor.html")
    db.session.commit()  # after rendering, as case pages do: a commit expires the loaded user
    return page
