"""fieldwork by e-mail: participants, mailings, deliveries, reminder schedules

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

Issue 13. The coordinator may renumber this migration at merge: change ``revision`` and
``down_revision`` below.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("wave.id"), nullable=False),
        sa.Column(
            "municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=False
        ),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("invitation_id", sa.Integer(), sa.ForeignKey("invitation.id"), nullable=False),
        sa.Column("link_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.UniqueConstraint("wave_id", "email", name="uq_participant_wave_email"),
        sa.UniqueConstraint("invitation_id"),
    )
    op.create_index("ix_participant_wave_id", "participant", ["wave_id"])
    op.create_index("ix_participant_municipality_id", "participant", ["municipality_id"])
    op.create_table(
        "mailing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("wave.id"), nullable=False),
        sa.Column("municipality_id", sa.Integer(), sa.ForeignKey("municipality.id"), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("invited_before", sa.Integer(), nullable=False),
        sa.Column("completed_before", sa.Integer(), nullable=False),
    )
    op.create_index("ix_mailing_wave_id", "mailing", ["wave_id"])
    op.create_table(
        "mail_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "mailing_id",
            sa.Integer(),
            sa.ForeignKey("mailing.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("participant.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.UniqueConstraint("mailing_id", "participant_id", name="uq_delivery_mailing_participant"),
    )
    op.create_index("ix_mail_delivery_mailing_id", "mail_delivery", ["mailing_id"])
    op.create_index("ix_mail_delivery_participant_id", "mail_delivery", ["participant_id"])
    op.create_index("ix_mail_delivery_status", "mail_delivery", ["status"])
    op.create_table(
        "wave_mail_setting",
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("wave.id"), primary_key=True),
        sa.Column("reminder_days", sa.String(length=60), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("wave_mail_setting")
    op.drop_table("mail_delivery")
    op.drop_table("mailing")
    op.drop_table("participant")
