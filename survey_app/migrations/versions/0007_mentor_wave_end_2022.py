"""wave: the mentor survey's end-of-trial wave moves to the end of 2022

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

Seed 004: the government extended the trials to the end of 2022, so the mentor survey's wave
``forsoegsafslutning`` ("ved slutningen af forsøget", seed 003) opens on 1 November 2022 and closes
at the end of 15 December 2022 (Danish time) instead of the same days in 2021. Only the dates of
that one row change, and only while it still has the seed's 2021 dates (a wave whose dates an
administrator has changed is left alone); its invitations, responses and answers stay as they are,
attached to the same wave and questionnaire version. survey_app/reference_data.py gives new
installations the new dates.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

QUESTIONNAIRE = "mentor"
WAVE = "forsoegsafslutning"
# 00:00 on 1 November and 23:59:59 on 15 December, Danish winter time (UTC+1), in UTC.
OLD = (datetime(2021, 10, 31, 23, 0, tzinfo=UTC), datetime(2021, 12, 15, 22, 59, 59, tzinfo=UTC))
NEW = (datetime(2022, 10, 31, 23, 0, tzinfo=UTC), datetime(2022, 12, 15, 22, 59, 59, tzinfo=UTC))

_wave = sa.table(
    "wave",
    sa.column("key", sa.String),
    sa.column("questionnaire_version_id", sa.Integer),
    sa.column("opens_at", sa.DateTime(timezone=True)),
    sa.column("closes_at", sa.DateTime(timezone=True)),
)
_version = sa.table(
    "questionnaire_version", sa.column("id", sa.Integer), sa.column("key", sa.String)
)


def _move(dates_from: tuple[datetime, datetime], dates_to: tuple[datetime, datetime]) -> None:
    mentor_versions = sa.select(_version.c.id).where(_version.c.key == QUESTIONNAIRE)
    op.execute(
        _wave.update()
        .where(
            _wave.c.key == WAVE,
            _wave.c.questionnaire_version_id.in_(mentor_versions),
            _wave.c.opens_at == dates_from[0],
            _wave.c.closes_at == dates_from[1],
        )
        .values(opens_at=dates_to[0], closes_at=dates_to[1])
    )


def upgrade() -> None:
    _move(OLD, NEW)


def downgrade() -> None:
    _move(NEW, OLD)
