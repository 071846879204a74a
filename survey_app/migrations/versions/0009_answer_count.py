"""answer_count: answers counted per wave, municipality, item and code

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

The comparison page reads these counts instead of the answers (survey_app/answer_counts.py
keeps them at submit and erasure). The table is filled here from the answers already stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO answer_count (questionnaire_version_id, wave_id, municipality_id, is_demo,
                          item_key, value, missing, count)
SELECT r.questionnaire_version_id, r.wave_id, r.municipality_id, r.is_demo, a.item_key,
       coalesce(a.value, 0), coalesce(a.missing, ''), count(*)
FROM answer AS a JOIN response AS r ON r.id = a.response_id
WHERE r.wave_id IS NOT NULL AND (a.value IS NOT NULL OR a.missing IS NOT NULL)
GROUP BY r.questionnaire_version_id, r.wave_id, r.municipality_id, r.is_demo, a.item_key,
         coalesce(a.value, 0), coalesce(a.missing, '')
"""


def upgrade() -> None:
    op.create_table(
        "answer_count",
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("item_key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("missing", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.ForeignKeyConstraint(["questionnaire_version_id"], ["questionnaire_version.id"]),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"]),
        sa.PrimaryKeyConstraint(
            "wave_id", "municipality_id", "is_demo", "item_key", "value", "missing"
        ),
    )
    op.create_index(
        "ix_answer_count_questionnaire_version_id", "answer_count", ["questionnaire_version_id"]
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_answer_count_questionnaire_version_id", table_name="answer_count")
    op.drop_table("answer_count")
