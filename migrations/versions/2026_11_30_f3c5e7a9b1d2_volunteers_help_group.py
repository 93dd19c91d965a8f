"""volunteers: the help group 邻舍帮帮团 (volunteers, teams, skills, service events and who takes part, service
records and corrections, the care roster, certificates, help requests, one-time login tokens)

Every enum column is a VARCHAR with a CHECK constraint of its values; statuses are tied to the columns they set.

Revision ID: f3c5e7a9b1d2
Revises: e2b4d6f8a0c1
Create Date: 2026-11-30 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c5e7a9b1d2"
down_revision = "e2b4d6f8a0c1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_skills_org_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("org_unit_id", "name", name=op.f("uq_skills_org_unit_id_name")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "party_members",
                "grid_workers",
                "private_enterprises",
                "social_organisations",
                "police",
                "residents",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_teams_org_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("org_unit_id", "kind", name=op.f("uq_teams_org_unit_id_kind")),
    )
    op.create_table(
        "care_roster_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("resident_name", sa.String(length=60), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("health_notes", sa.Text(), nullable=True),
        sa.Column("contact_person", sa.String(length=60), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column(
            "visit_frequency",
            sa.Enum(
                "weekly",
                "fortnightly",
                "monthly",
                name="visit_frequency",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("last_visited_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_care_roster_entries_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_care_roster_entries_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_roster_entries")),
    )
    with op.batch_alter_table("care_roster_entries", schema=None) as batch_op:
        batch_op.create_index("ix_care_roster_entries_unit_visited", ["org_unit_id", "last_visited_on"], unique=False)

    op.create_table(
        "service_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "warm_service",
                "home_visit",
                "repairs",
                "legal_advice",
                "health_advice",
                "tutoring",
                "culture",
                "other",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_count", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned", "cancelled", "completed", name="status", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status != 'cancelled') OR (cancel_reason IS NOT NULL)",
            name=op.f("ck_service_events_cancelled_has_reason"),
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (confirmed_at IS NOT NULL AND confirmed_by_id IS NOT NULL)",
            name=op.f("ck_service_events_completed_has_confirmation"),
        ),
        sa.CheckConstraint("beneficiary_count >= 0", name=op.f("ck_service_events_beneficiaries_not_negative")),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_service_events_capacity_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_service_events_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_service_events_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_service_events_created_by_id_users")),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"], name=op.f("fk_service_events_leader_id_users")),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_service_events_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_events")),
    )
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_events_leader_id"), ["leader_id"], unique=False)
        batch_op.create_index("ix_service_events_series", ["series_id"], unique=False)
        batch_op.create_index("ix_service_events_unit_starts", ["org_unit_id", "starts_at"], unique=False)

    op.create_table(
        "volunteer_login_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_volunteer_login_tokens_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteer_login_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_login_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_volunteer_login_tokens_digest")),
    )
    with op.batch_alter_table("volunteer_login_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_login_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "approved",
                "rejected",
                "suspended",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "sex",
            sa.Enum("female", "male", name="sex", native_enum=False, create_constraint=True, length=8),
            nullable=False,
        ),
        sa.Column("birth_month", sa.Date(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("availability", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("consent_version", sa.String(length=20), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(number IS NULL) OR (status IN ('approved', 'suspended'))",
            name=op.f("ck_volunteers_number_means_approved"),
        ),
        sa.CheckConstraint(
            "(status NOT IN ('approved', 'suspended')) OR (number IS NOT NULL)",
            name=op.f("ck_volunteers_approved_has_number"),
        ),
        sa.CheckConstraint(
            "(status NOT IN ('rejected', 'suspended')) OR (status_reason IS NOT NULL)",
            name=op.f("ck_volunteers_refusal_has_reason"),
        ),
        sa.CheckConstraint("availability >= 0 AND availability <= 63", name=op.f("ck_volunteers_availability_bits")),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"], name=op.f("fk_volunteers_building_id_buildings")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_volunteers_decided_by_id_users")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_volunteers_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_volunteers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("number", name=op.f("uq_volunteers_number")),
        sa.UniqueConstraint("user_id", name=op.f("uq_volunteers_user_id")),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index("ix_volunteers_unit_status", ["org_unit_id", "status"], unique=False)

    op.create_table(
        "event_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "signed_up",
                "waiting",
                "cancelled",
                "attended",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("signed_up_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(confirmed_at IS NULL) OR (status = 'attended' AND hours IS NOT NULL AND confirmed_by_id IS NOT NULL)",
            name=op.f("ck_event_participations_confirmed_has_hours"),
        ),
        sa.CheckConstraint(
            "(status != 'cancelled') OR (cancelled_at IS NOT NULL)",
            name=op.f("ck_event_participations_cancelled_has_time"),
        ),
        sa.CheckConstraint(
            "(status = 'waiting') = (position IS NOT NULL)", name=op.f("ck_event_participations_waiting_has_position")
        ),
        sa.CheckConstraint(
            "(checked_out_at IS NULL) OR (checked_in_at IS NOT NULL)", name=op.f("ck_event_participations_out_after_in")
        ),
        sa.CheckConstraint("(hours IS NULL) OR (hours >= 0)", name=op.f("ck_event_participations_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_event_participations_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["service_events.id"],
            name=op.f("fk_event_participations_event_id_service_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_event_participations_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participations")),
        sa.UniqueConstraint("event_id", "volunteer_id", name=op.f("uq_event_participations_event_id_volunteer_id")),
    )
    with op.batch_alter_table("event_participations", schema=None) as batch_op:
        batch_op.create_index("ix_event_participations_volunteer", ["volunteer_id", "status"], unique=False)

    op.create_table(
        "service_event_beneficiaries",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("roster_entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["service_events.id"],
            name=op.f("fk_service_event_beneficiaries_event_id_service_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["roster_entry_id"],
            ["care_roster_entries.id"],
            name=op.f("fk_service_event_beneficiaries_roster_entry_id_care_roster_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "roster_entry_id", name=op.f("pk_service_event_beneficiaries")),
    )
    op.create_table(
        "service_event_skills",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["service_events.id"],
            name=op.f("fk_service_event_skills_event_id_service_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_service_event_skills_skill_id_skills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "skill_id", name=op.f("pk_service_event_skills")),
    )
    op.create_table(
        "volunteer_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("hours_at_issue", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("hours_at_issue >= 0", name=op.f("ck_volunteer_certificates_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_volunteer_certificates_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_certificates_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_volunteer_certificates_number")),
    )
    with op.batch_alter_table("volunteer_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_certificates_volunteer_id"), ["volunteer_id"], unique=False)

    op.create_table(
        "volunteer_skills",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_volunteer_skills_skill_id_skills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_skills_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "skill_id", name=op.f("pk_volunteer_skills")),
    )
    op.create_table(
        "volunteer_teams",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_volunteer_teams_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_teams_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "team_id", name=op.f("pk_volunteer_teams")),
    )
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "accepted", "declined", name="status", native_enum=False, create_constraint=True, length=12
            ),
            nullable=False,
        ),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("grid_order_id", sa.Integer(), nullable=True),
        sa.Column("mediation_case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(event_id IS NULL) OR (status = 'accepted')", name=op.f("ck_help_requests_event_means_accepted")
        ),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_help_requests_asked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["service_events.id"], name=op.f("fk_help_requests_event_id_service_events")
        ),
        sa.ForeignKeyConstraint(
            ["grid_order_id"], ["grid_orders.id"], name=op.f("fk_help_requests_grid_order_id_grid_orders")
        ),
        sa.ForeignKeyConstraint(
            ["mediation_case_id"],
            ["mediation_cases.id"],
            name=op.f("fk_help_requests_mediation_case_id_mediation_cases"),
        ),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_help_requests_org_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index("ix_help_requests_unit_status", ["org_unit_id", "status"], unique=False)

    op.create_table(
        "service_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("participation_id", sa.Integer(), nullable=True),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("beneficiary", sa.String(length=200), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column(
            "quality",
            sa.Enum(
                "excellent",
                "good",
                "fair",
                "poor",
                name="quality",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("recorder_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "correction_status",
            sa.Enum(
                "requested",
                "accepted",
                "rejected",
                name="correction_status",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=True,
        ),
        sa.Column("correction_hours", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=True),
        sa.Column("correction_requested_at", sa.DateTime(), nullable=True),
        sa.Column("correction_decided_at", sa.DateTime(), nullable=True),
        sa.Column("correction_decided_by_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(correction_decided_at IS NULL) OR (correction_status IN ('accepted', 'rejected'))",
            name=op.f("ck_service_records_decision_means_decided"),
        ),
        sa.CheckConstraint(
            "(correction_status IS NULL) OR (correction_status = 'requested')"
            " OR (correction_decided_at IS NOT NULL AND correction_decided_by_id IS NOT NULL)",
            name=op.f("ck_service_records_decided_has_time"),
        ),
        sa.CheckConstraint(
            "(correction_status IS NULL) = (correction_requested_at IS NULL)",
            name=op.f("ck_service_records_correction_has_request"),
        ),
        sa.CheckConstraint(
            "(correction_status IS NULL) OR (correction_reason IS NOT NULL AND correction_hours IS NOT NULL)",
            name=op.f("ck_service_records_correction_has_reason"),
        ),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_service_records_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["correction_decided_by_id"], ["users.id"], name=op.f("fk_service_records_correction_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["service_events.id"], name=op.f("fk_service_records_event_id_service_events")
        ),
        sa.ForeignKeyConstraint(["leader_id"], ["users.id"], name=op.f("fk_service_records_leader_id_users")),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_service_records_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["event_participations.id"],
            name=op.f("fk_service_records_participation_id_event_participations"),
        ),
        sa.ForeignKeyConstraint(["recorder_id"], ["users.id"], name=op.f("fk_service_records_recorder_id_users")),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_service_records_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_records")),
        sa.UniqueConstraint("participation_id", name=op.f("uq_service_records_participation_id")),
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_records_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_service_records_unit_date", ["org_unit_id", "served_on"], unique=False)
        batch_op.create_index("ix_service_records_volunteer_date", ["volunteer_id", "served_on"], unique=False)

    op.create_table(
        "help_request_skills",
        sa.Column("help_request_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["help_request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_request_skills_help_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_help_request_skills_skill_id_skills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("help_request_id", "skill_id", name=op.f("pk_help_request_skills")),
    )


def downgrade():
    op.drop_table("help_request_skills")
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_index("ix_service_records_volunteer_date")
        batch_op.drop_index("ix_service_records_unit_date")
        batch_op.drop_index(batch_op.f("ix_service_records_event_id"))

    op.drop_table("service_records")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_help_requests_unit_status")

    op.drop_table("help_requests")
    op.drop_table("volunteer_teams")
    op.drop_table("volunteer_skills")
    with op.batch_alter_table("volunteer_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_certificates_volunteer_id"))

    op.drop_table("volunteer_certificates")
    op.drop_table("service_event_skills")
    op.drop_table("service_event_beneficiaries")
    with op.batch_alter_table("event_participations", schema=None) as batch_op:
        batch_op.drop_index("ix_event_participations_volunteer")

    op.drop_table("event_participations")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteers_unit_status")

    op.drop_table("volunteers")
    with op.batch_alter_table("volunteer_login_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_login_tokens_user_id"))

    op.drop_table("volunteer_login_tokens")
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.drop_index("ix_service_events_unit_starts")
        batch_op.drop_index("ix_service_events_series")
        batch_op.drop_index(batch_op.f("ix_service_events_leader_id"))

    op.drop_table("service_events")
    with op.batch_alter_table("care_roster_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_care_roster_entries_unit_visited")

    op.drop_table("care_roster_entries")
    op.drop_table("teams")
    op.drop_table("skills")
