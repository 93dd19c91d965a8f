"""Fixtures for the storage tests: a real S3-compatible server (moto's, over HTTP on 127.0.0.1), an app
that stores in it, and ``storage_app``, run once with local disk and once with S3."""

import boto3
import pytest
from botocore.config import Config as BotoConfig

from app import create_app
from app.extensions import db

S3_BUCKET = "linli-test"
S3_PREFIX = "uploads"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3 server in a thread, on a free port of 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_client(s3_server):
    """A boto3 client of the test server (for setting up and looking behind the app's back)."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=BotoConfig(s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=S3_BUCKET)
    return client


@pytest.fixture(scope="session")
def s3_app(app, app_config, s3_server, s3_client):
    """The app with STORAGE_URL=s3://linli-test/uploads on the moto server; same database as ``app``."""
    return create_app(
        dict(
            app_config,
            STORAGE_URL=f"s3://{S3_BUCKET}/{S3_PREFIX}",
            S3_ENDPOINT_URL=s3_server,
            S3_REGION="us-east-1",
            S3_ADDRESSING_STYLE="path",
            **S3_CREDENTIALS,
        )
    )


@pytest.fixture(params=["local", "s3"])
def storage_app(request, app):
    """The app with local-disk storage, then the app with S3 storage, its app context pushed."""
    target = app if request.param == "local" else request.getfixturevalue("s3_app")
    with target.app_context():
        yield target
        db.session.remove()
