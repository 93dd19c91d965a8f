"""Uploaded files: checked, stored on local disk or in an S3-compatible store, and served back.

The flow of an upload, for any feature::

    checked = storage.check_upload(form.file.data, allow=("image",))   # DomainError(field="file") if refused
    key = storage.save(checked, "mediation")                           # kept only if the transaction commits
    row = Attachment(stored_name=key, filename=checked.filename, content_type=checked.content_type, ...)
    ...
    return storage.send(row.stored_name, filename=row.filename, content_type=row.content_type,
                        as_attachment=False)                           # in a view, after the access check

Why it is built this way:

- The type of a file is read from its content, never from its name or the Content-Type the browser sent,
  and images are decoded and encoded again. That removes the metadata phones embed (GPS position, device,
  time), turns photos upright, and means what is stored is a plain image that Pillow wrote, whatever the
  upload contained. Only JPEG, PNG, WebP and GIF decoders are used: Pillow can open many more formats,
  some through external programs (EPS through Ghostscript), and none of them is needed here.
- Several app servers share the files, so the location is configured once (``STORAGE_URL``): unset means
  the local folder ``UPLOAD_FOLDER`` (one server, or a shared mount); ``s3://bucket/prefix`` means an
  S3-compatible store (AWS, MinIO, Aliyun OSS, Tencent COS, ...) with ``S3_ENDPOINT_URL``, ``S3_REGION``,
  ``S3_ADDRESSING_STYLE`` and the standard ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (taken from the
  app's config when set there, else from boto3's usual lookup: environment, config files, instance role).
- A stored file belongs to a database row, so writing it is tied to the SQLAlchemy session: the file of a
  transaction that is rolled back (a refused or conflicting change, a savepoint given up) is deleted again,
  and a file removed with ``delete_on_commit`` goes only once the row's deletion is committed. The file is
  written before the row is committed, so a committed row always has its file; a crash between the two can
  at worst leave an unreferenced file, never a row without one.
- Objects are never public: there are no public or presigned URLs. Every download goes through a view that
  checks the user's access first and then calls ``send``, which streams the file with ``nosniff`` and
  ``no-store`` so that neither the browser nor a proxy keeps a copy or guesses another type.
- Keys are opaque (``mediation/<32 hex digits>.jpg``): random, so they cannot be guessed or enumerated,
  and free of user input, so a file name can never reach a path or an object name.
"""

import contextlib
import io
import logging
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from flask import Response, current_app, has_app_context, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound
from werkzeug.http import dump_options_header

from app.core.i18n import gettext as _
from app.core.operations import DomainError
from app.extensions import db

log = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
DEFAULT_MAX_PIXELS = 40_000_000
MAX_FILENAME_CHARS = 200

PDF = ("application/pdf", ".pdf")
# Pillow's format name -> (content type, extension). Also the only decoders Pillow may use here.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
KINDS = frozenset({"image", "pdf"})


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed ``check_upload``: the bytes to store (an image re-encoded, a PDF as sent),
    their real type, and the cleaned name to show and to offer on download."""

    data: bytes
    content_type: str
    extension: str  # with its dot: ".jpg"
    filename: str
    size: int


def check_upload(file_storage, *, allow=("image", "pdf"), max_bytes=DEFAULT_MAX_BYTES, max_pixels=None, max_side=None):
    """Check an uploaded file (a werkzeug ``FileStorage``) and return a ``CheckedFile``, or raise
    ``DomainError(message, field="file")`` with a translated message saying why it was refused.

    ``allow`` names the kinds accepted: ``"image"`` (JPEG, PNG, WebP, GIF) and/or ``"pdf"``.
    ``max_pixels`` defaults to the ``UPLOAD_MAX_PIXELS`` setting; an image larger than that is refused from
    its header, before any pixel is decoded, so a small file that unpacks to gigabytes costs nothing.
    Only the first frame of an animated image (GIF, WebP, APNG) is kept: evidence photos are stills, and
    decoding every frame of a long animation would let one upload occupy a worker. ``max_side`` (pixels), when
    given, scales an image down so that its longer side is at most that (a phone's 4000-pixel photo to 1600).
    """
    allow = frozenset(allow)
    if not allow or not allow <= KINDS:
        raise ValueError(f"allow must name some of {sorted(KINDS)}, not {sorted(allow)}")
    data = file_storage.read(max_bytes + 1)
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise DomainError(_("The file is larger than %(mb)s MB.", mb=f"{max_bytes / MB:g}"), field="file")
    if data.startswith(b"%PDF-"):
        if "pdf" not in allow:
            raise _wrong_kind(allow)
        content_type, extension = PDF
    else:
        if "image" not in allow:
            raise _wrong_kind(allow)
        if max_pixels is None:
            max_pixels = (
                current_app.config.get("UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS)
                if has_app_context()
                else DEFAULT_MAX_PIXELS
            )
        data, content_type, extension = _reencode_image(data, allow, max_pixels, max_side)
    filename = clean_filename(file_storage.filename, extension)
    return CheckedFile(data=data, content_type=content_type, extension=extension, filename=filename, size=len(data))


def _wrong_kind(allow):
    if allow == {"image"}:
        return DomainError(_("A photo must be an image file."), field="file")
    if allow == {"pdf"}:
        return DomainError(_("Only PDF documents can be attached."), field="file")
    return DomainError(_("Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached."), field="file")


def _too_many_pixels(max_pixels):
    return DomainError(
        _("The image is too large (at most %(mp)s megapixels).", mp=f"{max_pixels / 1e6:g}"), field="file"
    )


def _reencode_image(data, allow, max_pixels, max_side=None):
    """Decode the image and encode it again, upright, without metadata and at most ``max_side`` pixels on its
    longer side (when given), in the format it came in."""
    from PIL import Image, UnidentifiedImageError

    # Pillow warns above Image.MAX_IMAGE_PIXELS (and raises above twice that) while opening: whatever
    # our setting, nothing Pillow itself considers a possible decompression bomb is ever decoded.
    if Image.MAX_IMAGE_PIXELS:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)
    try:
        image = Image.open(io.BytesIO(data), formats=tuple(IMAGE_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(max_pixels) from error
    except UnidentifiedImageError as error:
        raise _wrong_kind(allow) from error
    except Exception as error:  # noqa: BLE001 - Pillow fails on bad input with many kinds of errors
        raise DomainError(_("The image could not be read; it may be damaged or incomplete."), field="file") from error
    with image:
        width, height = image.size
        if width * height > max_pixels:  # from the header: nothing decoded yet
            raise _too_many_pixels(max_pixels)
        try:
            content_type, extension = IMAGE_FORMATS[image.format]
            encoded = _encode(_scaled(_upright(image), max_side), image.format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels(max_pixels) from error
        except Exception as error:  # noqa: BLE001 - as above: any failure to decode is a refusal
            raise DomainError(
                _("The image could not be read; it may be damaged or incomplete."), field="file"
            ) from error
    return encoded, content_type, extension


def _upright(image):
    """The first frame, decoded and turned as its EXIF orientation says (phones store photos sideways and
    record how to turn them; once the EXIF is removed, nobody could turn them any more)."""
    from PIL import ImageOps

    image.load()
    # turned where it is: a copy of the pixels (10 ms for a phone's photo) would change nothing; a damaged EXIF
    # block should not cost the photo, whose pixels are loaded already
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(image, in_place=True)
    return image


def _scaled(image, max_side):
    """The image with its longer side at most ``max_side`` pixels (the same image when it is no larger)."""
    if max_side and max(image.size) > max_side:
        from PIL import Image

        image = image.copy() if image.mode != "P" else image.convert("RGBA" if "transparency" in image.info else "RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _encode(image, image_format):
    """Write the pixels again, with none of the source's metadata (EXIF, XMP, IPTC, comments, text chunks,
    ICC profile): Pillow writes only what is passed here, and ``info`` is emptied because a few writers
    fall back to it. Transparency is part of the picture and kept."""
    transparency = image.info.get("transparency")
    image.info = {}
    options = {}
    if transparency is not None and image_format in ("PNG", "GIF"):
        options["transparency"] = transparency
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=90, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=90)
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


# Unicode's invisible direction controls: with them "photo\u202egpj.exe" displays as "photoexe.jpg".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters, lone surrogates (not encodable), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def clean_filename(name, extension=None):
    """A file name that is safe to store, show and send in a header: the last part of a path only,
    without control characters or direction controls, at most 200 characters, and, when ``extension`` is
    given (".pdf"), ending in it instead of whatever extension it had: a PDF sent as ``x.html`` is
    ``x.pdf``, so no program that trusts extensions ever takes it for something else."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if c not in _BIDI_CONTROLS and unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    if extension:
        stem = _EXTENSION.sub("", name.strip()).strip(" .") or "file"
        return stem[: MAX_FILENAME_CHARS - len(extension)].rstrip(" .") + extension
    return name.strip(" .")[:MAX_FILENAME_CHARS]


# --- serving ---------------------------------------------------------------------------------


def content_disposition(filename, as_attachment=True):
    """A Content-Disposition value (RFC 6266) for any download, Chinese names included.

    Encoded as werkzeug's ``send_file(download_name=...)`` does: a non-ASCII name goes in
    ``filename*=UTF-8''...`` (RFC 5987, read by every current browser) with an ASCII ``filename`` for old
    clients; that fallback keeps the extension and, when nothing of the name is ASCII, reads ``download``
    (werkzeug would give ``.pdf`` or an empty name)."""
    name = clean_filename(filename) or "download"
    disposition = "attachment" if as_attachment else "inline"
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        match = _EXTENSION.search(name)
        extension = match.group(0) if match else ""
        stem = unicodedata.normalize("NFKD", name[: len(name) - len(extension)]).encode("ascii", "ignore").decode()
        simple = (stem if stem.strip(" ._-") else "download") + extension
        quoted = quote(name, safe="!#$&+-.^_`|~")
        return dump_options_header(disposition, {"filename": simple, "filename*": f"UTF-8''{quoted}"})
    return dump_options_header(disposition, {"filename": name})


def _private(response, filename, as_attachment):
    """The headers every stored file is served with, whichever backend sent it."""
    response.headers["Content-Disposition"] = content_disposition(filename, as_attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store, private"
    response.headers.pop("Expires", None)
    return response


# --- backends --------------------------------------------------------------------------------

# Path segments of letters, digits, "_", "-" and "." that do not start with a dot: no "..", no empty or
# absolute path, no backslash.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


def check_key(key):
    """Refuse a key that is not a plain relative path (``..``, an absolute path, a backslash, ...)."""
    if not isinstance(key, str) or len(key) > 512 or not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a folder: the embedded default, or a folder every app server mounts (NFS and the like)."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)

    def __repr__(self):
        return f"LocalStorage({self.folder!r})"

    def path(self, key):
        path = os.path.join(self.folder, *check_key(key).split("/"))
        if os.path.commonpath([self.folder, path]) != self.folder:  # cannot happen with a checked key
            raise ValueError(f"invalid storage key: {key!r}")
        return path

    def put(self, key, data, content_type):
        """Write the file under a temporary name and rename it, so a reader never sees half a file."""
        path = self.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise

    def get(self, key):
        """The file's bytes; FileNotFoundError if there is none."""
        with open(self.path(key), "rb") as fh:
            return fh.read()

    def delete(self, key):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path(key))

    def response(self, key, *, filename, content_type, as_attachment):
        path = self.path(key)
        if not os.path.isfile(path):
            raise NotFound()
        # send_file streams the file and answers Range requests (PDF viewers use them)
        response = send_file(path, mimetype=content_type, as_attachment=as_attachment)
        return _private(response, filename, as_attachment)


class S3Storage:
    """Objects in a bucket of an S3-compatible store, under ``prefix``. Objects are written without an
    ACL, so they are private to the account; they are read only by the app, with its own credentials."""

    def __init__(
        self, bucket, prefix="", endpoint_url=None, region="us-east-1", key=None, secret=None, addressing_style="auto"
    ):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        config = BotoConfig(
            region_name=region,
            s3={"addressing_style": addressing_style or "auto"},
            # checksums only where the API requires them: several S3-compatible stores refuse the newer
            # default ones
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        # A session of its own: boto3's default session is not safe to share between threads, a client is.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=key or None,
            aws_secret_access_key=secret or None,
            config=config,
        )

    def __repr__(self):
        return f"S3Storage({self.bucket!r}, {self.prefix!r})"

    def object_key(self, key):
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key, data, content_type):
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data, ContentType=content_type)

    def _get_object(self, key):
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(key) from error
            raise

    def get(self, key):
        """The object's bytes; FileNotFoundError if there is none."""
        body = self._get_object(key)["Body"]
        with contextlib.closing(body):
            return body.read()

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))  # no error if it is missing

    def response(self, key, *, filename, content_type, as_attachment):
        """Stream the object through the app (no redirect to the store: the object stays private)."""
        try:
            found = self._get_object(key)
        except FileNotFoundError as error:
            raise NotFound() from error
        body = found["Body"]
        response = Response(body.iter_chunks(64 * 1024), content_type=content_type, direct_passthrough=True)
        response.content_length = found["ContentLength"]
        response.call_on_close(body.close)
        return _private(response, filename, as_attachment)


def storage_from_config(config):
    """The backend the settings name: ``STORAGE_URL`` unset (or ``file:///path``) for a local folder,
    ``s3://bucket/prefix`` for an S3-compatible store."""
    url = config.get("STORAGE_URL")
    if not url:
        return LocalStorage(config["UPLOAD_FOLDER"])
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3" and parts.netloc:
        return S3Storage(
            parts.netloc,
            unquote(parts.path),
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION") or "us-east-1",
            key=config.get("AWS_ACCESS_KEY_ID"),
            secret=config.get("AWS_SECRET_ACCESS_KEY"),
            addressing_style=config.get("S3_ADDRESSING_STYLE") or "auto",
        )
    raise ValueError(f"STORAGE_URL must be s3://bucket/prefix or file:///path, not {url!r}")


def get_storage(app=None):
    """The storage of ``app`` (default: the current app), made on first use and kept in its extensions."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get("linli_storage")
    if storage is None:
        storage = app.extensions["linli_storage"] = storage_from_config(app.config)
    return storage


# --- the API features use ----------------------------------------------------------------------


def save(checked, folder):
    """Store a checked upload under a new random key in ``folder`` ("mediation") and return the key, to
    keep in the row. The file is deleted again if the current transaction (or the savepoint it was saved
    in) is rolled back."""
    key = f"{check_key(folder)}/{secrets.token_hex(16)}{checked.extension}"
    storage = get_storage()
    transaction = _current_transaction()
    storage.put(key, checked.data, checked.content_type)
    _pending().append(_Change(_NEW, storage, key, transaction))
    return key


def delete(key):
    """Remove a stored file now; no error if it is already gone."""
    get_storage().delete(key)


def delete_on_commit(key):
    """Remove a stored file once the current transaction commits (when its row is deleted, say); if the
    transaction is rolled back the file stays, as the row does."""
    _pending().append(_Change(_GONE, get_storage(), key, _current_transaction()))


def open_bytes(key):
    """The content of a stored file; FileNotFoundError if there is none."""
    return get_storage().get(key)


def send(key, *, filename, content_type, as_attachment):
    """The response for a download of a stored file (404 if it is missing). The caller, a view, checks
    that the user may see it first: this function does no access check of its own."""
    return get_storage().response(key, filename=filename, content_type=content_type, as_attachment=as_attachment)


# --- files follow the database transaction ---------------------------------------------------

_PENDING = "linli_storage_changes"
_COMMITTED = "linli_storage_committed"
_NEW, _GONE = "new", "gone"


@dataclass(frozen=True, eq=False)
class _Change:
    kind: str  # _NEW: delete if rolled back; _GONE: delete once committed
    storage: object
    key: str
    transaction: object  # the innermost SessionTransaction when the change was made


def _current_transaction():
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the change always ends with a transaction, committed or not
    return session.get_nested_transaction() or session.get_transaction()


def _pending():
    return db.session().info.setdefault(_PENDING, [])


def _within(transaction, ancestor):
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _quietly_delete(change):
    """Delete a file from a transaction hook, where raising would break the commit or rollback that is
    under way: a failure is logged, and leaves at worst an unused file."""
    try:
        change.storage.delete(change.key)
    except Exception:  # noqa: BLE001
        log.warning("could not delete stored file %s from %r", change.key, change.storage, exc_info=True)


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    # SQLAlchemy calls after_commit for savepoints too, and right before after_transaction_end of the same
    # transaction; only that one can tell whether the transaction was the outermost one.
    if session.info.get(_PENDING):
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _settle_files(session, transaction):
    committed = session.info.pop(_COMMITTED, False)
    changes = session.info.get(_PENDING)
    if not changes:
        return
    if committed:
        if transaction.parent is None:  # the outermost commit: what was removed goes, what was added stays
            del session.info[_PENDING]
            for change in changes:
                if change.kind == _GONE:
                    _quietly_delete(change)
        return  # a savepoint released: its changes now wait for the enclosing transaction
    # rolled back (or closed without a commit): undo the changes made inside this transaction
    undone = [change for change in changes if _within(change.transaction, transaction)]
    session.info[_PENDING] = [change for change in changes if not _within(change.transaction, transaction)]
    for change in undone:
        if change.kind == _NEW:
            _quietly_delete(change)
