"""grid work orders: categories, orders with their clocks and states, photos, timeline, supervision notices

Each status of an order is tied to what it needs by CHECK constraints (with a unit: the unit and both
deadlines; replied: the result; verified or closed: the resident's verification, unless settled on the spot;
closed <=> when); a position is both coordinates or none, on Earth. Indexes for the lists: the dispatch queue
and overdue board (community, status), a unit's orders (unit, status, due), a grid's open orders (grid,
status) and a worker's reports (reporter).

Revision ID: 64662640481d
Revises: 5e1f0a7c2b94
Create Date: 2026-11-29 15:09:00.180589

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "64662640481d"
down_revision = "5e1f0a7c2b94"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "grid_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("group_name", sa.String(length=60), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column(
            "default_level",
            sa.Enum(
                "two_hours",
                "one_day",
                "three_days",
                "seven_days",
                name="default_level",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("default_unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_unit_id"], ["handling_units.id"], name=op.f("fk_grid_categories_default_unit_id_handling_units")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_grid_categories_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_categories")),
        sa.UniqueConstraint("org_unit_id", "name", name=op.f("uq_grid_categories_org_unit_id_name")),
    )
    with op.batch_alter_table("grid_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_categories_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "grid_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=30), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "two_hours",
                "one_day",
                "three_days",
                "seven_days",
                name="level",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "reported",
                "dispatched",
                "signed",
                "in_progress",
                "replied",
                "reopened",
                "verified",
                "closed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("grid_report", "phone_call", name="source", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("caller_name", sa.String(length=60), nullable=True),
        sa.Column("caller_phone", sa.String(length=20), nullable=True),
        sa.Column("handling_unit_id", sa.Integer(), nullable=True),
        sa.Column("settled_on_spot", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("sign_due_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column(
            "satisfaction",
            sa.Enum(
                "satisfied",
                "basically_satisfied",
                "unsatisfied",
                name="satisfaction",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column(
            "verification_method",
            sa.Enum(
                "phone",
                "doorstep",
                "on_site",
                name="verification_method",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("supervision_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "(status != 'closed') OR (result IS NOT NULL)", name=op.f("ck_grid_orders_closed_has_result")
        ),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_grid_orders_closed_has_time")
        ),
        sa.CheckConstraint(
            "(status NOT IN ('dispatched', 'signed', 'in_progress', 'reopened')) OR (handling_unit_id IS NOT NULL AND sign_due_at IS NOT NULL AND due_at IS NOT NULL)",
            name=op.f("ck_grid_orders_with_unit_has_deadlines"),
        ),
        sa.CheckConstraint(
            "(status NOT IN ('replied', 'verified')) OR (result IS NOT NULL AND replied_at IS NOT NULL)",
            name=op.f("ck_grid_orders_replied_has_result"),
        ),
        sa.CheckConstraint(
            "(status NOT IN ('verified', 'closed')) OR settled_on_spot OR (satisfaction IS NOT NULL AND verification_method IS NOT NULL)",
            name=op.f("ck_grid_orders_verified_has_check"),
        ),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_grid_orders_position_pair")),
        sa.CheckConstraint(
            "(latitude IS NULL) OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name=op.f("ck_grid_orders_position_range"),
        ),
        sa.CheckConstraint("reopen_count >= 0 AND supervision_count >= 0", name=op.f("ck_grid_orders_counts")),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"], name=op.f("fk_grid_orders_building_id_buildings")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["grid_categories.id"], name=op.f("fk_grid_orders_category_id_grid_categories")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["org_units.id"], name=op.f("fk_grid_orders_grid_id_org_units")),
        sa.ForeignKeyConstraint(
            ["handling_unit_id"], ["handling_units.id"], name=op.f("fk_grid_orders_handling_unit_id_handling_units")
        ),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_grid_orders_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name=op.f("fk_grid_orders_reporter_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_grid_orders_number")),
        sa.UniqueConstraint("year", "seq", name=op.f("uq_grid_orders_year_seq")),
    )
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_orders_category_id"), ["category_id"], unique=False)
        batch_op.create_index("ix_grid_orders_community_status", ["org_unit_id", "status", "id"], unique=False)
        batch_op.create_index("ix_grid_orders_grid_status", ["grid_id", "status", "id"], unique=False)
        batch_op.create_index("ix_grid_orders_reporter", ["reporter_id", "id"], unique=False)
        batch_op.create_index("ix_grid_orders_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_grid_orders_unit_status", ["handling_unit_id", "status", "due_at"], unique=False)

    op.create_table(
        "grid_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "reported",
                "dispatched",
                "signed",
                "in_progress",
                "replied",
                "reopened",
                "verified",
                "closed",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "reported",
                "dispatched",
                "signed",
                "in_progress",
                "replied",
                "reopened",
                "verified",
                "closed",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_grid_order_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["grid_orders.id"], name=op.f("fk_grid_order_events_order_id_grid_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_order_events")),
    )
    with op.batch_alter_table("grid_order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_order_events_order_id"), ["order_id"], unique=False)

    op.create_table(
        "grid_order_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("report", "after", name="kind", native_enum=False, create_constraint=True, length=8),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["grid_orders.id"], name=op.f("fk_grid_order_photos_order_id_grid_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_grid_order_photos_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_order_photos")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_grid_order_photos_stored_name")),
    )
    with op.batch_alter_table("grid_order_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_order_photos_order_id"), ["order_id"], unique=False)

    op.create_table(
        "grid_supervision_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("handling_unit_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handling_unit_id"],
            ["handling_units.id"],
            name=op.f("fk_grid_supervision_notices_handling_unit_id_handling_units"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_grid_supervision_notices_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["grid_orders.id"],
            name=op.f("fk_grid_supervision_notices_order_id_grid_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_supervision_notices")),
    )
    with op.batch_alter_table("grid_supervision_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_supervision_notices_order_id"), ["order_id"], unique=False)


def downgrade():
    with op.batch_alter_table("grid_supervision_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_supervision_notices_order_id"))

    op.drop_table("grid_supervision_notices")
    with op.batch_alter_table("grid_order_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_order_photos_order_id"))

    op.drop_table("grid_order_photos")
    with op.batch_alter_table("grid_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_order_events_order_id"))

    op.drop_table("grid_order_events")
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_unit_status")
        batch_op.drop_index("ix_grid_orders_status_due")
        batch_op.drop_index("ix_grid_orders_reporter")
        batch_op.drop_index("ix_grid_orders_grid_status")
        batch_op.drop_index("ix_grid_orders_community_status")
        batch_op.drop_index(batch_op.f("ix_grid_orders_category_id"))

    op.drop_table("grid_orders")
    with op.batch_alter_table("grid_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_categories_org_unit_id"))

    op.drop_table("grid_categories")
