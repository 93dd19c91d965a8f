"""Language and time zone selection for Flask-Babel.

Order: the logged-in user's choice, the session's choice, the browser's Accept-Language, the
installation's default (``LINLI_LANGUAGE``, zh_CN).
"""

from babel import Locale
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


def as_locale(code):
    """The Babel Locale of a catalog code. Babel names zh_CN "zh_Hans_CN"; the catalog folder
    app/translations/zh_Hans_CN is a link to zh_CN, so both names find the same catalog."""
    return Locale.parse(code)


def select_locale():
    return as_locale(selected_language())


def selected_language():
    default = current_app.config["LINLI_LANGUAGE"]
    if not has_request_context():
        return default
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return normalise(current_user.locale) or default
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "zh_Hans", "en"])
    return normalise(best) or default


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language():
    """The current language as one of the configured codes ("zh_CN", "en")."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None:
        return current_app.config["LINLI_LANGUAGE"]
    return normalise(str(locale)) or normalise(locale.language) or current_app.config["LINLI_LANGUAGE"]


def html_lang():
    return {"zh_CN": "zh-CN"}.get(current_language(), current_language())
