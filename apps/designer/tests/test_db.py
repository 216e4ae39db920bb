"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from designer.db import make_engine, migrate
from designer.models import Base


def test_migrations_match_the_models_and_run_twice(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'projects.db'}")
    migrate(engine)
    migrate(engine)  # a second start is a no-op
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "0001"
        )
    engine.dispose()
