"""CSRF, security headers, cookies, error pages, secret key, health check."""

import os

import pytest

from app import create_app
from tests.conftest import page_text, translated


def test_post_without_csrf_token_is_rejected_with_translated_page(app, client, world):
    # a form page comes back with what was typed (tests/core/test_csrf_expiry.py); anything else gets the page
    response = client.post("/language", data={"lang": "en"}, csrf=False)
    assert response.status_code == 400
    text = page_text(response)
    assert translated(app, "Bad request") in text
    assert (
        translated(
            app, "The form had expired or did not come from this site. Please go back, reload the page and try again."
        )
        in text
    )


def test_csrf_applies_to_logged_in_actions(client, login_as):
    login_as("admin")
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/notifications").status_code == 200  # still logged in


def test_security_headers(client, world):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts anywhere


def test_session_cookie_flags(client, world):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_when_configured(app_config):
    secure_app = create_app(dict(app_config, SESSION_COOKIE_SECURE=True))
    response = secure_app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_unknown_url_gives_translated_404(app, client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert translated(app, "Page not found") in page_text(response)


def test_405_page(app, client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert translated(app, "Method not allowed") in page_text(response)
    assert "POST" in response.headers["Allow"]


def test_403_page(app, client, login_as):
    login_as("volunteer")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert translated(app, "Not allowed") in page_text(response)


def test_413_page(app_config, client):
    small = create_app(dict(app_config, MAX_CONTENT_LENGTH=1024))
    response = small.test_client().post("/login", data={"phone": "1" * 4096})
    assert response.status_code == 413
    assert translated(small, "Upload too large") in page_text(response)


def test_500_page_is_translated_and_logged(app_config, caplog):
    broken = create_app(dict(app_config, PROPAGATE_EXCEPTIONS=False))

    @broken.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    assert translated(broken, "Something went wrong") in page_text(response)
    assert "kaput" not in page_text(response)


def test_json_errors_for_api_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404


def test_secret_key_is_generated_and_kept(tmp_path, app_config):
    overrides = dict(app_config, INSTANCE_DIR=str(tmp_path))
    overrides.pop("SECRET_KEY")
    first = create_app(overrides)
    second = create_app(overrides)
    assert first.secret_key and first.secret_key == second.secret_key
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first.secret_key
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
    other = tmp_path / "other"
    other.mkdir()
    assert create_app(dict(overrides, INSTANCE_DIR=str(other))).secret_key != first.secret_key


def test_no_secret_in_the_code():
    import config

    assert config.Config.SECRET_KEY == os.environ.get("SECRET_KEY")


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "sqlite:////nonexistent-dir/linli/db.sqlite3",
    ],
)
def test_healthz_reports_database_failure(app_config, url):
    down = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI=url))
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"] == "unreachable"
    assert response.json["reason"]


def test_rate_limit_storage_follows_redis_url(app_config, monkeypatch):
    from flask import Flask

    import config
    from app import load_config

    def storage_uri():
        # only the configuration step: the limiter itself is shared by every app of this test run
        bare = Flask("linli-config-check")
        load_config(bare, {k: v for k, v in app_config.items() if k != "RATELIMIT_STORAGE_URI"})
        return bare.config["RATELIMIT_STORAGE_URI"]

    monkeypatch.setattr(config.Config, "REDIS_URL", None)
    assert storage_uri() == "memory://"
    monkeypatch.setattr(config.Config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    assert storage_uri() == "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (CI sets it on its second run)")
def test_login_throttle_uses_redis(app):
    from app.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == os.environ["REDIS_URL"]
    assert type(limiter.storage).__name__ == "RedisStorage" and limiter.storage.check()
