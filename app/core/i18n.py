"""Language and time zone selection for Flask-Babel.

Order: the logged-in user's choice, the session's choice, the browser's Accept-Language, the
installation's default (``LINLI_LANGUAGE``, zh_CN).
"""

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def normalise(code):
    if not code:
        return None
    code = code.replace("-", "_")
    for known in current_app.config["LANGUAGES"]:
        if code.lower() == known.lower() or code.split("_")[0].lower() == known.split("_")[0].lower():
            return known
    return None


def select_locale():
    if not has_request_context():
        return current_app.config["LINLI_LANGUAGE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "zh_Hans", "en"])
    if best:
        return normalise(best)
    return current_app.config["LINLI_LANGUAGE"]


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
