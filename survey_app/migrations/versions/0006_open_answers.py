"""answer: open text and number answers; one check that exactly one kind of answer is set

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Text and number items (issue 11) keep their answer in ``text_value``. The check that an answer
holds either a value or a missing code becomes: exactly one of value, text_value, missing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ONE_KIND = (
    "(CASE WHEN value IS NULL THEN 0 ELSE 1 END + CASE WHEN text_value IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN missing IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_value", sa.Text(), nullable=True))
        batch_op.drop_constraint("ck_answer_value_or_missing", type_="check")
        batch_op.create_check_constraint("ck_answer_one_kind", ONE_KIND)


def downgrade() -> None:
    op.execute("DELETE FROM answer WHERE text_value IS NOT NULL")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_constraint("ck_answer_one_kind", type_="check")
        batch_op.create_check_constraint(
            "ck_answer_value_or_missing", "(value IS NULL) <> (missing IS NULL)"
        )
        batch_op.drop_column("text_value")
