"""link seals: used-marks and drafts apart from invitations; answers without a serial id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Using a link no longer writes to its invitation row (issue 9, finding 2). Existing used-marks and
drafts move to ``spent_link`` and ``link_draft`` under the link's seal, which needs the seal key
(``survey_app.migrate.upgrade_to_head(engine, seal_key=...)``; ``survey-app init-db`` passes it).
On PostgreSQL every invitation and response row is rewritten once, so that no row keeps the
transaction id it shared with its partner before this migration.
"""

import hashlib
import hmac

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _seal(key: str, token_hash: str) -> str:
    return hmac.new(key.encode(), token_hash.encode(), hashlib.sha256).hexdigest()


def _link_state(connection) -> list:
    """The used-marks and drafts to move; checked before anything changes."""
    rows = connection.execute(
        sa.text(
            "SELECT token_hash, wave_id, municipality_id, is_demo, used, draft, draft_saved_at "
            "FROM invitation WHERE used OR draft IS NOT NULL"
        )
    ).all()
    if rows and not op.get_context().config.attributes.get("seal_key"):
        raise RuntimeError(
            "Migration 0004 moves used links and drafts under their seal and needs the seal key: "
            "run it with `survey-app init-db`."
        )
    return rows


def _move_link_state(connection, rows) -> None:
    key = op.get_context().config.attributes.get("seal_key")
    for token_hash, wave_id, municipality_id, is_demo, used, draft, saved_at in rows:
        seal = _seal(key, token_hash)
        values = {"seal": seal, "w": wave_id, "m": municipality_id, "d": is_demo}
        if used:
            connection.execute(
                sa.text(
                    "INSERT INTO spent_link (seal, wave_id, municipality_id, is_demo) "
                    "VALUES (:seal, :w, :m, :d)"
                ),
                values,
            )
        elif draft is not None:
            connection.execute(
                sa.text(
                    "INSERT INTO link_draft (seal, wave_id, municipality_id, answers, saved_at, "
                    "is_demo) VALUES (:seal, :w, :m, :a, :t, :d)"
                ),
                {**values, "a": draft, "t": saved_at or sa.func.now()},
            )


def upgrade() -> None:
    connection = op.get_bind()
    rows = _link_state(connection)
    def link_columns():
        return (
            sa.Column("seal", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
            sa.Column("wave_id", sa.Integer(), nullable=False),
            sa.Column("municipality_id", sa.Integer(), nullable=False),
            sa.Column("is_demo", sa.Boolean(), nullable=False),
        )
    for table, extra in (
        ("spent_link", ()),
        (
            "link_draft",
            (
                sa.Column("answers", sa.Text(), nullable=False),
                sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
            ),
        ),
    ):
        op.create_table(
            table,
            *link_columns(),
            *extra,
            sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
            sa.ForeignKeyConstraint(["wave_id"], ["wave.id"]),
            sa.PrimaryKeyConstraint("seal"),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_wave_id"), ["wave_id"], unique=False)
            batch_op.create_index(
                batch_op.f(f"ix_{table}_municipality_id"), ["municipality_id"], unique=False
            )

    _move_link_state(connection, rows)
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("draft_saved_at")
        batch_op.drop_column("draft")
        batch_op.drop_column("used")

    if connection.dialect.name == "postgresql":
        op.drop_constraint("uq_answer_item", "answer", type_="unique")
        op.drop_index("ix_answer_response_id", table_name="answer")
        op.drop_constraint("answer_pkey", "answer", type_="primary")
        op.drop_column("answer", "id")
        op.create_primary_key("answer_pkey", "answer", ["response_id", "item_key"])
        # A fresh transaction id on every row: none keeps the one it shared with its partner.
        op.execute("UPDATE invitation SET id = id")
        op.execute("UPDATE response SET id = id")
    else:
        with op.batch_alter_table("answer", recreate="always") as batch_op:
            batch_op.drop_index("ix_answer_response_id")
            batch_op.drop_constraint("uq_answer_item", type_="unique")
            batch_op.drop_column("id")
            batch_op.create_primary_key("pk_answer", ["response_id", "item_key"])


def downgrade() -> None:
    raise NotImplementedError("Migration 0004 cannot be undone: the seals cannot be reversed.")
