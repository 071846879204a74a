"""occasion_score: per citizen occasion and domain what progression and alpha need

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26

The progression page reads these rows instead of the answers (survey_app/occasion_scores.py
keeps them at submit and erasure). The table is filled here from the answers already stored,
by the same computation the submissions use.
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "occasion_score",
        sa.Column("response_id", sa.String(length=36), nullable=False),
        sa.Column("domain", sa.String(length=60), nullable=False),
        sa.Column("questionnaire_key", sa.String(length=60), nullable=False),
        sa.Column("respondent_key", sa.String(length=80), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("codes", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.PrimaryKeyConstraint("response_id", "domain"),
    )
    op.create_index("ix_occasion_score_questionnaire_key", "occasion_score", ["questionnaire_key"])
    op.create_table(
        "occasion_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The order in which progression numbers a citizen's occasions, so that PostgreSQL reads
    # the rows sorted instead of sorting them (since 0013 it serves the reads of one citizen's
    # rows in progression_tally.py).
    by_id = (
        'response_id COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else "response_id"
    )
    op.execute(
        "CREATE INDEX ix_occasion_score_order ON occasion_score "
        f"(questionnaire_key, respondent_key, submitted_at, {by_id})"
    )
    # The rows are filled by the app's own computation (the domain rules come from the
    # merged questionnaire definitions, which SQL cannot read).
    from survey_app.occasion_scores import rebuild_occasions

    with Session(bind=op.get_bind()) as session:
        rebuild_occasions(session, tally=False)  # the tally's table comes with 0013


def downgrade() -> None:
    op.drop_table("occasion_generation")
    op.drop_index("ix_occasion_score_order", table_name="occasion_score")
    op.drop_index("ix_occasion_score_questionnaire_key", table_name="occasion_score")
    op.drop_table("occasion_score")
