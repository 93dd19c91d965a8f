"""Platform: compression, sessions across networks, the language kept through login, header contrast."""

import gzip
import re
from pathlib import Path

import brotli
import pytest

from app import create_app
from app.core.models import User
from app.extensions import db
from tests.conftest import PASSWORD, page_text


def log_in(client, phone, **kwargs):
    return client.post("/login", data={"phone": phone, "password": PASSWORD}, **kwargs)


# --- compression -------------------------------------------------------------------------------------------


def test_pages_are_gzip_compressed_when_the_browser_accepts_it(client):
    plain = client.get("/login")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    html = plain.get_data()
    assert b"<html" in html

    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body) < len(html)
    unpacked = gzip.decompress(body)
    # the same page (its CSRF token differs from one request to the next)
    token = re.compile(rb'name="csrf_token" type="hidden" value="[^"]*"|value="[^"]*" name="csrf_token"')
    assert token.sub(b"", unpacked) == token.sub(b"", html)
    # and without the header, again plain, but varying on it for caches
    again = client.get("/login")
    assert "Content-Encoding" not in again.headers
    assert "Accept-Encoding" in again.headers["Vary"]


def test_brotli_is_preferred_when_offered(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"<html" in brotli.decompress(response.get_data())


def test_tiny_responses_are_not_compressed(client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["status"] == "ok"
    assert "Accept-Encoding" in response.headers["Vary"]


def test_static_files_are_compressed_and_ranges_are_not(client):
    css = Path(__file__).resolve().parents[2] / "app/static/css/linli.css"
    original = css.read_bytes()
    response = client.get("/static/css/linli.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == original
    etag = response.headers["ETag"]
    assert etag.endswith(':gzip"')
    assert (
        client.get("/static/css/linli.css", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code
        == 304
    )
    # a byte range is a range of the file itself, never of a compressed copy
    part = client.get("/static/css/linli.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-1999"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert part.get_data() == original[:2000]
    assert "Accept-Encoding" in part.headers["Vary"]


def test_file_downloads_go_out_as_they_are(app, client, login_as, world):
    """Case files (signed PDFs, photos) are already compressed: sent unchanged, with their length."""
    from sqlalchemy import select

    from app.mediation.models import Attachment
    from tests.mediation.factories import make_case

    case_id = make_case(app, world, upto="agreement")
    with app.app_context():
        files = db.session.execute(
            select(Attachment.id, Attachment.content_type).where(Attachment.case_id == case_id)
        ).all()
    assert {content_type for _, content_type in files} == {"application/pdf", "image/png"}
    login_as("mediator")
    for attachment_id, content_type in files:
        url = f"/mediation/cases/{case_id}/attachments/{attachment_id}"
        plain = client.get(url).get_data()
        response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200 and response.mimetype == content_type
        assert "Content-Encoding" not in response.headers
        assert response.get_data() == plain
        assert int(response.headers["Content-Length"]) == len(plain)


def test_compression_can_be_turned_off(app_config, tmp_path):
    config = dict(app_config, COMPRESS_REGISTER=False, INSTANCE_DIR=str(tmp_path))
    plain_app = create_app(config)
    response = plain_app.test_client().get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert b"<html" in response.get_data()


# --- sessions ----------------------------------------------------------------------------------------------


def test_session_survives_a_change_of_network(client, world):
    wifi = {"REMOTE_ADDR": "192.168.1.23"}
    mobile = {"REMOTE_ADDR": "10.64.12.7"}
    response = log_in(client, world.phones["grid_worker"], environ_base=wifi)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "李网格" in page_text(client.get("/", environ_base=wifi))
    # the phone moves from Wi-Fi to mobile data: still logged in
    response = client.get("/notifications", environ_base=mobile)
    assert response.status_code == 200
    assert "李网格" in page_text(response)
    home = client.get("/", environ_base=mobile)
    assert home.status_code == 200 and "李网格" in page_text(home)


# --- language through login --------------------------------------------------------------------------------


def test_language_chosen_on_the_login_page_is_kept_after_login(app, client, world):
    with app.app_context():
        db.session.get(User, world.users["volunteer"]).locale = "zh_CN"
        db.session.commit()
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "Mobile number" in page_text(client.get("/login"))
    response = log_in(client, world.phones["volunteer"])
    assert response.status_code == 302
    home = client.get("/")
    assert 'lang="en"' in home.get_data(as_text=True)
    assert "Hello, 孙志愿" in page_text(home)
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).locale == "en"


def test_without_a_choice_the_users_own_language_is_used(app, client, world):
    with app.app_context():
        db.session.get(User, world.users["volunteer"]).locale = "en"
        db.session.commit()
    log_in(client, world.phones["volunteer"])
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).locale == "en"


# --- header contrast (WCAG 2.x) ----------------------------------------------------------------------------

CSS = Path(__file__).resolve().parents[2] / "app/static/css/linli.css"


def css_rules(css):
    """Top-level rules of a style sheet as (selectors, declarations); at-rules (@media ...) are left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, depth, start, prelude = [], 0, 0, ""
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude, start = css[start:index].strip(), index + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                if not prelude.startswith("@"):
                    body = css[start:index]
                    declarations = {}
                    for part in body.split(";"):
                        if ":" in part:
                            name, value = part.split(":", 1)
                            declarations[name.strip()] = value.strip()
                    selectors = {s.strip() for s in prelude.split(",")}
                    rules.append((selectors, declarations))
                start = index + 1
    return rules


def style_sheet():
    """linli.css's rules and its custom properties (--name: value) from :root."""
    rules = css_rules(CSS.read_text(encoding="utf-8"))
    variables = {}
    for selectors, declarations in rules:
        if ":root" in selectors:
            variables.update({k: v for k, v in declarations.items() if k.startswith("--")})
    return rules, variables


def declared(rules, selector, prop):
    """The last value of ``prop`` declared for exactly ``selector`` (None when not declared)."""
    value = None
    for selectors, declarations in rules:
        if selector in selectors and prop in declarations:
            value = declarations[prop]
    return value


def resolve(value, variables):
    while value and value.startswith("var("):
        value = variables[value[4:].rstrip(")").strip()]
    return value


def rgb(colour):
    colour = colour.strip().lower()
    if colour in {"white", "black"}:
        return (255, 255, 255) if colour == "white" else (0, 0, 0)
    digits = colour.lstrip("#")
    assert re.fullmatch(r"[0-9a-f]{3}|[0-9a-f]{6}", digits), f"not a plain colour: {colour!r}"
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def luminance(colour):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground, background):
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def blend(foreground, background, opacity):
    return tuple(round(opacity * f + (1 - opacity) * b) for f, b in zip(foreground, background, strict=True))


def test_wcag_formula_matches_known_values():
    assert contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21)
    assert contrast(rgb("#767676"), rgb("#fff")) == pytest.approx(4.54, abs=0.01)
    # the header as it was: a white tagline at 90 % opacity on #c2410c
    assert contrast(blend(rgb("#fff"), rgb("#c2410c"), 0.9), rgb("#c2410c")) < 4.5


HEADER_TEXT = [".brand", ".brand small", ".inbox", ".main-nav a", ".main-nav .link", ".main-nav a[aria-current=page]"]


@pytest.mark.parametrize("selector", HEADER_TEXT)
def test_header_text_contrast_is_at_least_4_5(selector):
    rules, variables = style_sheet()
    header_background = resolve(
        declared(rules, ".site-header", "background") or declared(rules, ".site-header", "background-color"), variables
    )
    background = rgb(header_background)
    # the element's own colour, else the one it inherits from the header
    chain = [selector, ".site-header"]
    if selector.startswith(".brand "):
        chain.insert(1, ".brand")
    if selector.startswith(".main-nav a["):
        chain.insert(1, ".main-nav a")
    colour = next(resolve(declared(rules, s, "color"), variables) for s in chain if declared(rules, s, "color"))
    opacity = 1.0
    for s in chain[:-1]:
        value = declared(rules, s, "opacity")
        if value is not None:
            opacity *= float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    seen = blend(rgb(colour), background, opacity)
    ratio = contrast(seen, background)
    assert ratio >= 4.5, f"{selector}: {colour} at opacity {opacity} on {header_background} is {ratio:.2f}:1"


def test_inbox_badge_contrast_is_at_least_4_5():
    rules, variables = style_sheet()
    text = rgb(resolve(declared(rules, ".badge", "color"), variables))
    background = rgb(resolve(declared(rules, ".badge", "background"), variables))
    assert contrast(text, background) >= 4.5
