"""grid merged orders, Open311 API keys, a place in words; party details of the 2010 document format

- A duplicate work order merged into another (并单) ends in the status "merged" and names the order it joined
  (``merged_into_id``, set exactly in that status); its reporter and photos are shown on that order.
- The replies to verify are read in the order they came, per status: an index on (status, replied_at).
- Orders received through Open311 GeoReport v2 have the source "open311"; an order may name its place in words
  (``address``) when no building of the tree fits (a request from outside, a call).
- API keys for Open311 (``grid_api_keys``): only a digest of the key is kept, with a short prefix to tell keys
  apart; a key posts requests into one community.
- A party's age, ethnicity and occupation (年龄、民族、职业), optional, as the Ministry of Justice's 2010 formats
  of mediation documents print them.

Revision ID: c4e6a8b0d2f3
Revises: b8e2f4a61c35
Create Date: 2026-11-30 12:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e6a8b0d2f3"
down_revision = "b8e2f4a61c35"
branch_labels = None
depends_on = None

STATUSES = ("reported", "dispatched", "signed", "in_progress", "replied", "reopened", "verified", "closed", "to_mediation")
NEW_STATUSES = (*STATUSES, "merged")
SOURCES = ("grid_report", "phone_call")
NEW_SOURCES = (*SOURCES, "open311")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# (table, constraint without its ck_<table>_ prefix, column) of every column holding an order status
STATUS_COLUMNS = (
    ("grid_orders", "status", "status"),
    ("grid_order_events", "from_status", "from_status"),
    ("grid_order_events", "to_status", "to_status"),
)


def _statuses(values):
    for table, name, column in STATUS_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
            batch_op.create_check_constraint(name, one_of(column, values))


def _sources(values):
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_constraint("source", type_="check")
        batch_op.create_check_constraint("source", one_of("source", values))


def upgrade():
    _statuses(NEW_STATUSES)
    _sources(NEW_SOURCES)
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_grid_orders_merged_into_id_grid_orders"), "grid_orders", ["merged_into_id"], ["id"]
        )
        batch_op.create_index("ix_grid_orders_merged_into", ["merged_into_id"], unique=False)
        batch_op.create_index("ix_grid_orders_status_replied", ["status", "replied_at"], unique=False)
        batch_op.create_check_constraint("merged_has_target", "(status = 'merged') = (merged_into_id IS NOT NULL)")
        batch_op.create_check_constraint("merged_not_itself", "merged_into_id IS NULL OR merged_into_id != id")

    op.create_table(
        "grid_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_grid_api_keys_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_grid_api_keys_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_grid_api_keys_prefix")),
        sa.UniqueConstraint("digest", name=op.f("uq_grid_api_keys_digest")),
    )
    with op.batch_alter_table("grid_api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_api_keys_org_unit_id"), ["org_unit_id"], unique=False)

    with op.batch_alter_table("mediation_parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("ethnicity", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("occupation", sa.String(length=60), nullable=True))
        batch_op.create_check_constraint("age_range", "age IS NULL OR (age >= 0 AND age <= 150)")


def downgrade():
    with op.batch_alter_table("mediation_parties", schema=None) as batch_op:
        batch_op.drop_constraint("age_range", type_="check")
        batch_op.drop_column("occupation")
        batch_op.drop_column("ethnicity")
        batch_op.drop_column("age")

    with op.batch_alter_table("grid_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_api_keys_org_unit_id"))
    op.drop_table("grid_api_keys")

    # a merged order goes back to the dispatch queue; orders from Open311 count as calls
    op.execute("UPDATE grid_order_events SET to_status = NULL WHERE to_status = 'merged'")
    op.execute("UPDATE grid_order_events SET from_status = NULL WHERE from_status = 'merged'")
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_constraint("merged_not_itself", type_="check")
        batch_op.drop_constraint("merged_has_target", type_="check")
    op.execute("UPDATE grid_orders SET status = 'reported', merged_into_id = NULL WHERE status = 'merged'")
    op.execute("UPDATE grid_orders SET source = 'phone_call' WHERE source = 'open311'")
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_status_replied")
        batch_op.drop_index("ix_grid_orders_merged_into")
        batch_op.drop_constraint(batch_op.f("fk_grid_orders_merged_into_id_grid_orders"), type_="foreignkey")
        batch_op.drop_column("address")
        batch_op.drop_column("merged_into_id")
    _sources(SOURCES)
    _statuses(STATUSES)
