"""Alembic migrations, run from code so ``survey-app init-db`` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration for this app's migrations on ``engine``."""
    from alembic.config import Config  # here: alembic is large, and only migrating needs it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_to_head(engine: Engine, seal_key: str | None = None) -> None:
    """Bring the database schema up to the newest migration.

    ``seal_key`` is needed only when existing used links or drafts move under their seal.
    """
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["seal_key"] = seal_key
        command.upgrade(config, "head")
