"""The database engine and the one session per request (or per CLI command)."""

from __future__ import annotations

import re

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def conflict_insert(dialect: str, table):
    """An INSERT into ``table`` that understands ON CONFLICT, on PostgreSQL or SQLite
    (``dialect`` is the engine's dialect name)."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def adding_count(statement, keys):
    """``statement`` (a ``conflict_insert``) made to add its ``count`` to the row with the
    same ``keys`` where there is one, instead of failing."""
    added = statement.table.c.count + statement.excluded.count
    return statement.on_conflict_do_update(index_elements=list(keys), set_={"count": added})


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and a busy timeout. The
    engine notes whether a transaction has sent anything but queries (``only_read``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "handle_error", _note_failure)
    return engine


# Only a statement that is plainly a query counts as reading; anything else (a WITH that may
# insert, a savepoint, DDL) counts as writing, and so does a statement that failed, so a
# doubtful request is rolled back. A SELECT is trusted not to change anything that a commit
# keeps and a rollback drops: the app calls no function such as pg_notify() or nextval() in
# one; one that did would need to be sent otherwise (or the rule changed).
_QUERY = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_WROTE = "survey_app.wrote"


def _forget_writes(connection) -> None:
    connection.info.pop(_WROTE, None)


def _note_write(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not _QUERY.match(statement):
        connection.info[_WROTE] = True


def _note_failure(context) -> None:
    if context.connection is not None:
        context.connection.info[_WROTE] = True


def only_read(session: Session) -> bool:
    """Whether the session's open transaction has sent nothing but queries and holds no
    unsaved changes (so committing it changes nothing)."""
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return False
    if session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get(_WROTE)


def init_app(app: Flask) -> None:
    """Create the app's engine and close the request's session when the request ends."""
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The session of the current request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None and only_read(session):
            # The same as a rollback for a transaction that changed nothing, but psycopg
            # forgets its prepared statements at every ROLLBACK: the link pages' queries would
            # be parsed and planned anew at every request instead of once per connection.
            session.commit()
    finally:
        # Closing rolls back whatever a view did not commit explicitly.
        session.close()
