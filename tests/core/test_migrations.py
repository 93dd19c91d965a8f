"""One migration history that builds the schema from empty (the test database itself is built by it,
on SQLite and on PostgreSQL) and matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_upgrade_downgrade_upgrade_on_a_fresh_sqlite(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI=url))
    with fresh.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "org_units",
            "buildings",
            "handling_units",
            "users",
            "user_roles",
            "audit_entries",
            "notifications",
            "alembic_version",
        } <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade()
        assert set(inspect(create_engine(url)).get_table_names()) == tables


def test_the_version_columns_come_and_go_with_the_rows_kept(app_config, tmp_path):
    """Optimistic locking added `version` to cases and agreements that already exist: they start at 1."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'data.sqlite3'}"
    fresh = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI=url))
    with fresh.app_context():
        upgrade()
        assert fresh.test_cli_runner().invoke(args=["demo-data"]).exit_code == 0
        counts = {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
            for table in ("mediation_cases", "mediation_agreements")
        }
        db.session.remove()
        assert counts["mediation_cases"] > 0 and counts["mediation_agreements"] > 0
        downgrade(revision="059f1960a021")
        columns = {table: {c["name"] for c in inspect(db.engine).get_columns(table)} for table in counts}
        assert all("version" not in names for names in columns.values())
        upgrade()
        with db.engine.connect() as conn:
            for table, count in counts.items():
                assert conn.execute(text(f"SELECT count(*), min(version), max(version) FROM {table}")).one() == (  # noqa: S608
                    count,
                    1,
                    1,
                )
