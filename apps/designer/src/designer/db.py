"""The database: engine creation (SQLite in WAL mode by default) and migrations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"""^(down_)?revision\b[^=\n]*=\s*["']([^"']+)["']""", re.MULTILINE)


def make_engine(url: str) -> Engine:
    """An SQLAlchemy engine; SQLite connections get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def head_revisions() -> set[str]:
    """The newest migrations, read from the files (the revisions no other one revises)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, revision in _REVISION.findall(path.read_text()):
            (revised if down else revisions).add(revision)
    return revisions - revised


def at_head(engine: Engine) -> bool:
    """Whether the database already has the newest schema."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            current = {str(row[0]) for row in rows}
    except SQLAlchemyError:  # no alembic_version table yet: a new database
        return False
    return current == head_revisions()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (run on every start).

    Alembic is imported only when there is something to migrate: its modules (and Mako's)
    stay in memory for the life of the process, about 10 MB of a server that needs them
    once, so a server started on a migrated database (every start but the first after an
    install or upgrade, or after ``designer migrate``) never loads them.
    """
    if at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
