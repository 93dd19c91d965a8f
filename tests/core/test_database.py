"""Connection settings of the embedded SQLite database."""

import pytest
from sqlalchemy import text

from app.extensions import db


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings (CI's second run uses PostgreSQL)")
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_server_databases_get_pool_pre_ping_whatever_names_them(app_config):
    from app import create_app

    server = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert server.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    embedded = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI="sqlite:///" + app_config["INSTANCE_DIR"] + "/x.db"))
    assert "pool_pre_ping" not in embedded.config["SQLALCHEMY_ENGINE_OPTIONS"]
