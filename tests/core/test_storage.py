"""app.core.storage: uploads are checked by content and re-encoded, stored on local disk or S3 (moto's real
server over HTTP) tied to the database transaction, and served privately with a Chinese file name intact."""

import io
import os
import re
import struct
import unicodedata
import warnings
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile, PngImagePlugin
from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound
from werkzeug.http import parse_options_header
from werkzeug.test import Client

from app.core import storage
from app.core.i18n import as_locale, force_locale
from app.core.models import AuditEntry
from app.core.operations import DomainError
from app.core.operations import log as audit_log
from app.extensions import db
from tests.conftest import translated
from tests.core.conftest import S3_BUCKET, S3_PREFIX

BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


# --- building uploads ------------------------------------------------------------------------


def upload(data, filename="photo.jpg"):
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def image_bytes(image_format="JPEG", size=(64, 48), mode="RGB", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode != "P" else 0).save(buffer, image_format, **options)
    return buffer.getvalue()


def phone_photo():
    """A JPEG as a phone writes it: stored sideways (EXIF orientation 6: turn 90° clockwise to view) with
    the camera's make and model, the time and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:01 09:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 2.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 1.25)
    return image_bytes("JPEG", size=(64, 48), exif=exif, comment=b"taken at home")


def png_of_size(width, height):
    """A valid all-black 1-bit PNG of any size, written by hand: its rows compress to almost nothing, so a
    30000x30000 one is about 100 kB (Pillow would need a byte per pixel, 900 MB, to write it)."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    row = bytes(1 + (width + 7) // 8)  # filter byte, then the bits of the row
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb_png():
    data = png_of_size(30000, 30000)  # 900 megapixels
    assert len(data) < 200_000
    return data


@pytest.fixture
def decoded(monkeypatch):
    """The images Pillow decoded during the test (every decoder goes through ImageFile.load)."""
    calls = []
    original = ImageFile.ImageFile.load

    def spy(image):
        calls.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return calls


def refusal(call, *args, **kwargs):
    """The English message of the DomainError ``call`` raises (on field "file")."""
    with force_locale(as_locale("en")), pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    assert error.value.field == "file"
    return str(error.value.message)


def exists(key):
    """Whether the object is there, looked for behind the storage's back."""
    backend = storage.get_storage()
    if isinstance(backend, storage.LocalStorage):
        return os.path.exists(backend.path(key))
    found = backend.client.list_objects_v2(Bucket=S3_BUCKET, Prefix=f"{S3_PREFIX}/{key}")
    return found.get("KeyCount", 0) > 0


def fetch(response):
    """Run a response as the WSGI app it is, as a server would, and return what the client gets."""
    return Client(response).get("/")


# --- the round trip, on both backends --------------------------------------------------------


def test_round_trip_save_send_delete(storage_app):
    checked = storage.check_upload(upload(phone_photo(), "调解现场 照片.JPG"), allow=("image",))
    assert (checked.content_type, checked.extension, checked.filename) == ("image/jpeg", ".jpg", "调解现场 照片.jpg")
    key = storage.save(checked, "mediation")
    db.session.commit()
    assert re.fullmatch(r"mediation/[0-9a-f]{32}\.jpg", key)
    assert storage.open_bytes(key) == checked.data

    with storage_app.test_request_context():
        response = fetch(
            storage.send(key, filename=checked.filename, content_type=checked.content_type, as_attachment=False)
        )
    assert response.status_code == 200
    assert response.data == checked.data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store, private"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E8%B0%83%E8%A7%A3%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.jpg" in disposition
    assert parse_options_header(disposition) == ("inline", {"filename": "调解现场 照片.jpg"})
    assert disposition.encode("latin-1").isascii()

    storage.delete(key)
    assert not exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open_bytes(key)
    with storage_app.test_request_context(), pytest.raises(NotFound):
        storage.send(key, filename="x.jpg", content_type="image/jpeg", as_attachment=False)
    storage.delete(key)  # already gone: no error


def test_pdf_sent_as_html_is_stored_and_served_as_pdf(storage_app):
    pdf = b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n"
    checked = storage.check_upload(upload(pdf, "x.html"))
    assert (checked.filename, checked.extension, checked.content_type) == ("x.pdf", ".pdf", "application/pdf")
    key = storage.save(checked, "mediation")
    db.session.commit()
    assert key.endswith(".pdf") and storage.open_bytes(key) == pdf
    with storage_app.test_request_context():
        response = fetch(
            storage.send(key, filename=checked.filename, content_type=checked.content_type, as_attachment=True)
        )
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=x.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    storage.delete(key)


# --- files follow the transaction ------------------------------------------------------------


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.upload"))


def test_a_rolled_back_transaction_leaves_no_object(storage_app):
    key = storage.save(storage.check_upload(upload(image_bytes("PNG"), "a.png")), "mediation")
    audit_log(None, "test.upload", summary=key)
    db.session.flush()
    assert exists(key)
    db.session.rollback()
    assert not exists(key) and audit_count() == 0


def test_a_committed_transaction_keeps_its_object(storage_app):
    key = storage.save(storage.check_upload(upload(image_bytes("PNG"), "a.png")), "mediation")
    audit_log(None, "test.upload", summary=key)
    db.session.commit()
    db.session.execute(text("SELECT 1"))
    db.session.rollback()  # a later transaction's rollback does not touch it
    db.session.remove()
    assert exists(key) and audit_count() == 1
    storage.delete(key)


def test_a_session_closed_without_commit_leaves_no_object(storage_app):
    key = storage.save(storage.check_upload(upload(image_bytes("GIF", mode="P"), "a.gif")), "mediation")
    db.session.remove()
    assert not exists(key)


def test_savepoints(storage_app):
    """A file saved in a savepoint that is given up goes at once; one of a released savepoint waits for
    the enclosing transaction (SQLAlchemy reports a released savepoint as a commit)."""
    pdf = storage.check_upload(upload(b"%PDF-1.4\n", "a.pdf"))
    for outcome in ("rollback", "commit"):
        outer = storage.save(pdf, "mediation")
        with db.session.begin_nested():
            released = storage.save(pdf, "mediation")
        with pytest.raises(RuntimeError), db.session.begin_nested():
            given_up = storage.save(pdf, "mediation")
            raise RuntimeError("refused")
        assert not exists(given_up) and exists(released) and exists(outer)
        getattr(db.session, outcome)()
        assert exists(released) is exists(outer) is (outcome == "commit")
    for key in (outer, released):
        storage.delete(key)


def test_delete_on_commit_waits_for_the_commit(storage_app):
    key = storage.save(storage.check_upload(upload(b"%PDF-1.4\n", "a.pdf")), "mediation")
    db.session.commit()
    storage.delete_on_commit(key)
    db.session.rollback()
    assert exists(key)
    storage.delete_on_commit(key)
    assert exists(key)
    db.session.commit()
    assert not exists(key)


# --- what is stored of an image --------------------------------------------------------------


def test_exif_and_gps_are_stripped_and_the_photo_is_upright(storage_app):
    photo = phone_photo()
    with Image.open(io.BytesIO(photo)) as original:  # the upload really carries a position
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (31.0, 14.0, 2.5)
        assert original.size == (64, 48)
    key = storage.save(storage.check_upload(upload(photo)), "mediation")
    db.session.commit()
    stored = storage.open_bytes(key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert image.size == (48, 64)  # turned as the orientation said
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"taken at home" not in stored
    storage.delete(key)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_metadata_of_other_formats_is_stripped(app_ctx, image_format):
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone 15"
    options = {"exif": exif, "xmp": b"<x:xmpmeta>secret place</x:xmpmeta>"}
    if image_format == "PNG":
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_text("Comment", "secret place")
    checked = storage.check_upload(upload(image_bytes(image_format, mode="RGBA", **options), "a"))
    assert b"secret place" not in checked.data and b"Phone 15" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.format == image_format and not image.getexif() and "xmp" not in image.info


def test_an_animated_gif_keeps_its_first_frame(app_ctx):
    frames = [Image.new("P", (20, 10), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    checked = storage.check_upload(upload(buffer.getvalue(), "moving.gif"))
    assert checked.content_type == "image/gif"
    with Image.open(io.BytesIO(checked.data)) as image:
        assert getattr(image, "n_frames", 1) == 1 and image.size == (20, 10)


# --- refusals ---------------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_without_decoding(storage_app, bomb_png, decoded):
    message = refusal(storage.check_upload, upload(bomb_png, "bomb.png"))
    assert message == "The image is too large (at most 40 megapixels)."
    assert decoded == []


@pytest.mark.parametrize("pillow_warnings", ["error", "ignore"])
def test_a_144_megapixel_image_is_refused_without_decoding(storage_app, decoded, pillow_warnings):
    """Above Pillow's own threshold (89 megapixels) it warns while opening; refused whether or not the
    warning is turned into an error."""
    data = png_of_size(12000, 12000)
    with warnings.catch_warnings():
        warnings.simplefilter(pillow_warnings, Image.DecompressionBombWarning)
        message = refusal(storage.check_upload, upload(data, "big.png"))
    assert message == "The image is too large (at most 40 megapixels)."
    assert decoded == []


def test_the_pixel_limit_is_read_from_the_header(storage_app, decoded):
    data = image_bytes("PNG", size=(100, 60))  # 6000 pixels
    assert (
        refusal(storage.check_upload, upload(data), max_pixels=5000)
        == "The image is too large (at most 0.005 megapixels)."
    )
    assert decoded == []
    assert storage.check_upload(upload(data), max_pixels=6000).content_type == "image/png"
    assert set(decoded) == {(100, 60)}  # decoded once allowed


def test_the_pixel_limit_setting(storage_app, decoded):
    saved = storage_app.config["UPLOAD_MAX_PIXELS"]
    storage_app.config["UPLOAD_MAX_PIXELS"] = 1000
    try:
        assert "0.001 megapixels" in refusal(storage.check_upload, upload(image_bytes("PNG", size=(40, 30))))
    finally:
        storage_app.config["UPLOAD_MAX_PIXELS"] = saved
    assert decoded == []


def test_a_right_to_left_override_is_removed(storage_app):
    checked = storage.check_upload(upload(image_bytes("PNG"), "invoice\u202egpj.exe"))
    assert checked.filename == "invoicegpj.png"
    key = storage.save(checked, "mediation")
    db.session.commit()
    with storage_app.test_request_context():
        response = fetch(
            storage.send(
                key, filename="合同\u202e\u2066fdp.exe\r\nX-Evil: 1", content_type="image/png", as_attachment=True
            )
        )
    assert parse_options_header(response.headers["Content-Disposition"])[1]["filename"] == "合同fdp.exeX-Evil: 1"
    assert "X-Evil" not in response.headers
    storage.delete(key)


def test_file_names_are_cleaned():
    clean = storage.clean_filename
    assert clean("C:\\Users\\王\\Desktop\\协议.PDF", ".pdf") == "协议.pdf"
    assert clean("../../etc/passwd", ".png") == "passwd.png"
    assert clean("a\x00b\x1f\x7fc\u2028.jpeg", ".jpg") == "abc.jpg"
    assert clean("", ".pdf") == "file.pdf" and clean(None, ".pdf") == "file.pdf" and clean(".jpg", ".jpg") == "file.jpg"
    assert clean("report v2", ".pdf") == "report v2.pdf"
    long = clean("长" * 500 + ".jpg", ".jpeg")
    assert len(long) == 200 and long.endswith("长.jpeg")
    decomposed = unicodedata.normalize("NFD", "café.png")
    assert clean(decomposed, ".png") == "café.png"


def test_a_file_that_is_neither_image_nor_pdf_is_refused(storage_app):
    assert (
        refusal(storage.check_upload, upload(b"<html>hello</html>", "photo.jpg"))
        == "Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached."
    )
    assert (
        refusal(storage.check_upload, upload(b"GIF89a not really", "x.gif"), allow=("image",))
        == "A photo must be an image file."
    )
    bmp = image_bytes("BMP")  # an image, but not one of the formats accepted
    assert (
        refusal(storage.check_upload, upload(bmp, "x.bmp"))
        == "Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached."
    )


def test_a_photo_slot_refuses_a_pdf_and_a_pdf_slot_refuses_a_photo(storage_app):
    assert (
        refusal(storage.check_upload, upload(b"%PDF-1.4\n", "x.jpg"), allow=("image",))
        == "A photo must be an image file."
    )
    assert (
        refusal(storage.check_upload, upload(image_bytes(), "x.pdf"), allow=("pdf",))
        == "Only PDF documents can be attached."
    )
    with pytest.raises(ValueError):
        storage.check_upload(upload(b"%PDF-"), allow=("video",))


def test_a_damaged_image_is_refused(storage_app):
    truncated = image_bytes("PNG", size=(300, 300))[:200]
    assert (
        refusal(storage.check_upload, upload(truncated, "x.png"))
        == "The image could not be read; it may be damaged or incomplete."
    )


def test_an_empty_file_is_refused(storage_app):
    assert refusal(storage.check_upload, upload(b"", "x.pdf")) == "The file is empty."
    with pytest.raises(DomainError) as error:  # in the installation's language, zh_CN
        storage.check_upload(upload(b"", "x.pdf"))
    assert str(error.value.message) == translated(storage_app, "The file is empty.")


def test_a_file_too_large_is_refused(storage_app):
    data = b"%PDF-1.4\n" + bytes(storage.DEFAULT_MAX_BYTES)
    assert refusal(storage.check_upload, upload(data, "x.pdf")) == "The file is larger than 10 MB."
    assert (
        refusal(storage.check_upload, upload(bytes(300_000), "x.png"), max_bytes=2 * 1024 * 1024 // 10)
        == "The file is larger than 0.2 MB."
    )
    exactly = b"%PDF-1.4\n" + bytes(100 - 9)
    assert storage.check_upload(upload(exactly, "x.pdf"), max_bytes=100).size == 100


# --- any input: a refusal or a clean result, never a crash -------------------------------------

SAMPLES = [
    image_bytes("JPEG"),
    image_bytes("PNG", mode="RGBA"),
    image_bytes("GIF", mode="P"),
    image_bytes("WEBP"),
    phone_photo(),
    b"%PDF-1.5\n",
]


def mangled(sample_index, position, replacement, cut):
    sample = SAMPLES[sample_index % len(SAMPLES)]
    position %= len(sample)
    return (sample[:position] + replacement + sample[position + len(replacement) :])[: max(cut, 1)]


contents = st.one_of(
    st.binary(max_size=512),
    st.binary(max_size=64).map(lambda tail: b"%PDF-" + tail),
    st.sampled_from(SAMPLES),
    st.builds(
        mangled, st.integers(0, 100), st.integers(0, 10_000), st.binary(min_size=1, max_size=8), st.integers(1, 10_000)
    ),
)
filenames = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list(BIDI_CONTROLS) + list("\x00\n\r\t/\\.. 文件abc.pdf\u2028\x7f")), max_size=40),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=contents, filename=filenames)
def test_any_upload_is_refused_or_clean(app, data, filename):
    with app.app_context():
        try:
            checked = storage.check_upload(upload(data, filename))
        except DomainError as error:
            assert error.field == "file"
            return
    assert (checked.content_type, checked.extension) in [storage.PDF, *storage.IMAGE_FORMATS.values()]
    assert checked.filename.endswith(checked.extension) and len(checked.filename) <= 200
    assert not any(
        c in BIDI_CONTROLS or c in "/\\" or unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")
        for c in checked.filename
    )
    assert checked.size == len(checked.data) > 0


# --- keys, backends, headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["../x.jpg", "a/../../x.jpg", "/etc/passwd", "a//b", "a\\b", ".hidden", "", "a/", "a/./b", "ü.jpg", "a b"]
)
def test_keys_cannot_leave_the_storage(storage_app, key):
    backend = storage.get_storage()
    for call in (lambda: backend.put(key, b"x", "text/plain"), lambda: backend.get(key), lambda: backend.delete(key)):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(ValueError):
        storage.save(storage.check_upload(upload(b"%PDF-1.4\n")), key)


def test_the_backend_follows_the_configuration(app, s3_app):
    with app.app_context():
        local = storage.get_storage()
        assert isinstance(local, storage.LocalStorage) and local.folder == os.path.abspath(app.config["UPLOAD_FOLDER"])
        assert storage.get_storage() is local  # made once per app
    with s3_app.app_context():
        remote = storage.get_storage()
        assert isinstance(remote, storage.S3Storage) and (remote.bucket, remote.prefix) == (S3_BUCKET, S3_PREFIX)
        assert storage.get_storage(s3_app) is remote
        assert remote.client.meta.config.s3 == {"addressing_style": "path"}
        assert remote.client.meta.endpoint_url == s3_app.config["S3_ENDPOINT_URL"]
    assert isinstance(storage.storage_from_config({"STORAGE_URL": "file:///srv/linli/uploads"}), storage.LocalStorage)
    with pytest.raises(ValueError):
        storage.storage_from_config({"STORAGE_URL": "ftp://example.com/x"})


def test_s3_objects_are_private_and_under_the_prefix(s3_app, s3_client):
    with s3_app.app_context():
        key = storage.save(storage.check_upload(upload(b"%PDF-1.4\n", "a.pdf")), "mediation")
        db.session.commit()
        stored = s3_client.head_object(Bucket=S3_BUCKET, Key=f"{S3_PREFIX}/{key}")
        assert stored["ContentType"] == "application/pdf"
        grants = s3_client.get_object_acl(Bucket=S3_BUCKET, Key=f"{S3_PREFIX}/{key}")["Grants"]
        assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]  # the owner only
        storage.delete(key)
        db.session.remove()


def test_content_disposition():
    cd = storage.content_disposition
    assert cd("report.xlsx") == "attachment; filename=report.xlsx"
    assert cd("photo.jpg", as_attachment=False) == "inline; filename=photo.jpg"
    assert cd('a "quoted"; name.pdf') == 'attachment; filename="a \\"quoted\\"; name.pdf"'
    assert cd("调解协议书.pdf") == (
        "attachment; filename=download.pdf; filename*=UTF-8''%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6.pdf"
    )
    assert parse_options_header(cd("2026年 统计.xlsx")) == ("attachment", {"filename": "2026年 统计.xlsx"})
    assert cd("") == "attachment; filename=download"
    assert "\n" not in cd("a\r\nSet-Cookie: x=1.pdf")


def test_content_disposition_matches_werkzeug(app):
    """For a name with some ASCII in it the header is exactly the one send_file writes."""
    from flask import send_file

    name = "Agreement 协议 2026.pdf"
    with app.test_request_context():
        expected = send_file(io.BytesIO(b"x"), download_name=name, as_attachment=True).headers["Content-Disposition"]
    assert storage.content_disposition(name) == expected
