"""wave: optional English title

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

English pages show ``title_en`` when a wave has one, else the Danish ``title``. The seed's
historic waves get their English titles here; other waves keep none until one is set.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The seed's historic waves (survey_app/reference_data.py) as they were when this was written.
HISTORIC_TITLES_EN = {
    "jan-2019": "January 2019",
    "sommer-2020": "Summer 2020",
    "forsoegsafslutning": "End of the trial",
}


def upgrade() -> None:
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    wave = sa.table("wave", sa.column("key", sa.String), sa.column("title_en", sa.String))
    for key, title in HISTORIC_TITLES_EN.items():
        op.execute(wave.update().where(wave.c.key == key).values(title_en=title))


def downgrade() -> None:
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_column("title_en")
