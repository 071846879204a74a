"""trials: report narratives (versioned) and registry indicators

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_narrative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("trial_key", "version", name="uq_trial_narrative_version"),
    )
    op.create_index("ix_trial_narrative_trial_key", "trial_narrative", ["trial_key"])
    op.create_table(
        "registry_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "trial_key", "municipality_id", "indicator", "period", name="uq_registry_indicator"
        ),
    )
    op.create_index("ix_registry_indicator_trial_key", "registry_indicator", ["trial_key"])


def downgrade() -> None:
    op.drop_index("ix_registry_indicator_trial_key", table_name="registry_indicator")
    op.drop_table("registry_indicator")
    op.drop_index("ix_trial_narrative_trial_key", table_name="trial_narrative")
    op.drop_table("trial_narrative")
