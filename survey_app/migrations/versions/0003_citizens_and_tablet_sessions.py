"""citizens and tablet sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pseudonym"),
    )
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citizen_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "kiosk_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("occasion_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("pin_failures", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("one_per_screen", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_version.id"],
        ),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occasion_key"),
    )
    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kiosk_session_citizen_id"), ["citizen_id"], unique=False
        )

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submission_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint("uq_response_submission_key", ["submission_key"])


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint("uq_response_submission_key", type_="unique")
        batch_op.drop_column("submission_key")

    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_session_citizen_id"))

    op.drop_table("kiosk_session")
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_municipality_id"))

    op.drop_table("citizen")
