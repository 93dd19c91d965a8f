"""Mediation attachments through core storage, over HTTP, on local disk and on the S3-compatible server:
upload, download, refused to a mediator of another community, gone when the upload's change is refused."""

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.mediation.models import Attachment
from tests.conftest import CSRFClient
from tests.core.conftest import S3_BUCKET, S3_PREFIX
from tests.mediation.factories import make_case, png_bytes


@pytest.fixture(params=["local", "s3"])
def backend(request, app):
    target = app if request.param == "local" else request.getfixturevalue("s3_app")
    target.test_client_class = CSRFClient
    return request.param, target


def s3_keys(s3_client):
    listing = s3_client.list_objects_v2(Bucket=S3_BUCKET, Prefix=f"{S3_PREFIX}/mediation/")
    return {item["Key"] for item in listing.get("Contents", [])}


def test_an_attachment_round_trip_and_who_may_fetch_it(app, world, login_as, backend, s3_client):
    name, target = backend
    case_id = make_case(app, world, upto="accepted")
    client = target.test_client()
    login_as("mediator", client)
    before = s3_keys(s3_client)
    response = client.post(
        f"/mediation/cases/{case_id}/attachments/new",
        data={"kind": "evidence", "title": "收据", "file": (io.BytesIO(png_bytes()), "维修收据.png")},
    )
    assert response.status_code == 302
    with target.app_context():
        item = db.session.scalars(
            select(Attachment).where(Attachment.case_id == case_id, Attachment.title == "收据")
        ).one()
        url = f"/mediation/cases/{case_id}/attachments/{item.id}"
        stored = item.stored_name
    if name == "s3":
        assert s3_keys(s3_client) - before == {f"{S3_PREFIX}/mediation/{stored}"}
    download = client.get(url)
    assert download.status_code == 200 and download.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert download.headers["Cache-Control"] == "no-store, private"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''%E7%BB%B4%E4%BF%AE%E6%94%B6%E6%8D%AE.png" in download.headers["Content-Disposition"]
    # a mediator of the other community does not learn that the case or its file exists
    login_as("outsider", client)
    assert client.get(url).status_code == 404


def test_a_refused_upload_leaves_no_object(app, world, login_as, backend, s3_client):
    name, target = backend
    case_id = make_case(app, world, upto="accepted")
    client = target.test_client()
    login_as("mediator", client)
    before = s3_keys(s3_client)
    # a photo slot given a PDF: refused before anything is stored
    response = client.post(
        f"/mediation/cases/{case_id}/attachments/new",
        data={"kind": "photo", "file": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.pdf")},
    )
    assert response.status_code == 200
    assert s3_keys(s3_client) == before
    with target.app_context():
        assert db.session.scalar(select(db.func.count(Attachment.id)).where(Attachment.case_id == case_id)) == 0
