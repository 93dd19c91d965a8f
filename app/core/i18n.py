"""Language and time zone selection for Flask-Babel, and the gettext functions the app uses.

Order: the logged-in user's choice, the session's choice, the browser's Accept-Language, the
installation's default (``LINLI_LANGUAGE``, zh_CN).

``gettext``, ``ngettext`` and ``lazy_gettext`` behave as Flask-Babel's, but look the current catalog up
once per request (Flask-Babel does it anew for every string, which on a page of a hundred strings
costs more than rendering it). ``force_locale`` must be this module's, so that it switches the catalog.
"""

from contextlib import contextmanager
from functools import lru_cache
from weakref import WeakKeyDictionary

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import force_locale as babel_force_locale
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup


def translations():
    """The catalog of the current locale, kept in ``g`` for the rest of the request."""
    if not has_app_context():
        return get_translations()
    catalog = g.get("_linli_translations")
    if catalog is None:
        catalog = g._linli_translations = get_translations()
    return catalog


def gettext(string, **variables):
    text = _lookup(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string, **variables):
    return LazyString(gettext, string, **variables)


@contextmanager
def force_locale(locale):
    """Flask-Babel's force_locale, switching this module's catalog too."""
    if not has_app_context():
        with babel_force_locale(locale):
            yield
        return
    names = ("_linli_translations", "_linli_texts", "_linli_markup")
    saved = {name: g.pop(name) for name in names if name in g}
    try:
        with babel_force_locale(locale):
            yield
    finally:
        for name in names:
            g.pop(name, None)
        for name, value in saved.items():
            setattr(g, name, value)


# A page asks for a hundred strings, and each enum title is a lazy string translated again wherever it is
# shown. The translation of every string without parameters is kept per process and catalog (a catalog never
# changes while the process runs): a dict lookup instead of the catalog's gettext. In templates, Jinja's own
# "newstyle" gettext costs three context.call() per string (the _ alias, the wrapper, the function);
# template_gettext does the same (the translation is Markup under autoescape and is always %-formatted, so "%%"
# is a literal percent sign, as with newstyle) with one. Together they took ~1.5 ms off the case page.
_TEXTS = WeakKeyDictionary()  # catalog -> {msgid: translation}
_MARKUP = WeakKeyDictionary()  # catalog -> {msgid without parameters: translation as Markup}


def _lookup(string):
    if not has_app_context():
        return get_translations().ugettext(string)
    texts = g.get("_linli_texts")
    if texts is None:
        texts = g._linli_texts = _TEXTS.setdefault(translations(), {})
    text = texts.get(string)
    if text is None:
        text = texts[string] = translations().ugettext(string)
    return text


def _lookup_markup(string):
    """The translation of a string without parameters as Markup (%-formatted: "%%" is "%"), remembered."""
    markup = g.get("_linli_markup")
    if markup is None:
        markup = g._linli_markup = _MARKUP.setdefault(translations(), {})
    text = markup.get(string)
    if text is None:
        text = markup[string] = Markup(translations().ugettext(string)) % {}  # noqa: S704 (our own catalog)
    return text


@pass_eval_context
def template_gettext(eval_ctx, string, **variables):
    if not eval_ctx.autoescape:
        return translations().ugettext(string) % variables
    if variables:
        return Markup(_lookup(string)) % variables  # noqa: S704 (our own catalog)
    return _lookup_markup(string)


@pass_eval_context
def template_ngettext(eval_ctx, singular, plural, num, **variables):
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (our own catalog)


def install_jinja_gettext(app):
    """Templates' _(), gettext() and ngettext() through the catalog kept for the request (pgettext and
    npgettext as Jinja's newstyle ones)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)


LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def normalise(code):
    if not code:
        return None
    return _match(code, tuple(current_app.config["LANGUAGES"]))


@lru_cache(maxsize=64)
def _match(code, languages):
    code = code.replace("-", "_")
    for known in languages:
        if code.lower() == known.lower() or code.split("_")[0].lower() == known.split("_")[0].lower():
            return known
    return None


@lru_cache(maxsize=32)
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
