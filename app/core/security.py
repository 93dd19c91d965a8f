"""Security headers, safe redirects and password checks."""

import secrets
from functools import cache
from urllib.parse import urljoin, urlsplit

from flask import current_app, request
from werkzeug.security import check_password_hash, generate_password_hash

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Sent when the cookies are HTTPS-only (SESSION_COOKIE_SECURE): browsers then never try plain HTTP again.
HSTS = "max-age=31536000; includeSubDomains"


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@cache
def dummy_password_hash():
    """A hash of a random password, made once per process with the same method as real ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


def verify_password(user, password):
    """Whether ``password`` is ``user``'s. When there is no such user, the password is checked against a dummy
    hash all the same: a wrong password then takes as long for a registered number as for an unknown one,
    and the time does not tell which numbers have an account."""
    stored = user.password_hash if user is not None else dummy_password_hash()
    matches = check_password_hash(stored, password)
    return matches and user is not None


def is_safe_redirect(target):
    """Only paths on this site: no scheme, no host, no protocol-relative "//" or backslash tricks."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return False
    joined = urlsplit(urljoin(request.host_url, target))
    return joined.netloc == urlsplit(request.host_url).netloc


def safe_next(target, default):
    return target if is_safe_redirect(target) else default


def register(app):
    app.after_request(set_security_headers)
