"""kiosk_session: anonymous questionnaires on the tablet (no citizen, a municipality)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

An anonymous citizen questionnaire runs on the tablet without a registered citizen: the session
names the municipality the answer counts for instead. The session row is deleted when its
answers are sent, so nothing links the response to the session, the caseworker or the time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_kiosk_session_municipality_id", "municipality", ["municipality_id"], ["id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM kiosk_session WHERE citizen_id IS NULL")
    with op.batch_alter_table("kiosk_session", schema=None) as batch_op:
        batch_op.drop_constraint("fk_kiosk_session_municipality_id", type_="foreignkey")
        batch_op.drop_column("municipality_id")
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
