"""progression_tally: the counts over citizens that the progression page and alpha read

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26

Kept per citizen from occasion_score in the same transactions (survey_app/progression_tally.py);
filled here from the occasion rows already stored, by the same computation.
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "progression_tally",
        sa.Column("questionnaire_key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("domain", sa.String(length=60), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("latest", sa.Integer(), nullable=False),
        sa.Column("codes", sa.String(length=400), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "questionnaire_key", "kind", "domain", "municipality_id", "number", "first",
            "latest", "codes",
        ),
    )  # fmt: skip
    # Whether any occasion row of a questionnaire was computed under other rules than the
    # current ones, read before every progression page (occasion_scores._recompute_if_stale).
    op.create_index("ix_occasion_score_rules", "occasion_score", ["questionnaire_key", "rules"])
    # The tally is counted by the app's own computation from the occasion rows (the same one
    # the submissions use), so that the two can never disagree.
    from survey_app.progression_tally import rebuild_tally

    with Session(bind=op.get_bind()) as session:
        rebuild_tally(session)


def downgrade() -> None:
    op.drop_index("ix_occasion_score_rules", table_name="occasion_score")
    op.drop_table("progression_tally")
