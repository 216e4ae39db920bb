"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from designer.db import make_engine, migrate
from designer.models import metadata


def test_migrations_match_the_models_and_run_twice(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'projects.db'}")
    migrate(engine)
    migrate(engine)  # a second start is a no-op
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "0001"
        )
    engine.dispose()


def test_the_heads_read_from_the_files_are_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from designer.db import MIGRATIONS, head_revisions

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == set(ScriptDirectory.from_config(config).get_heads())


def test_a_migrated_database_starts_without_loading_alembic(tmp_path: Path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'projects.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    # a fresh interpreter, as a server process is: migrate() finds nothing to do
    check = (
        "import sys; from designer.db import make_engine, migrate; "
        f"e = make_engine({url!r}); migrate(e); e.dispose(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_server_never_loads_the_orm_nor_httpxs_cli(tmp_path: Path):
    """SQLAlchemy Core only (the ORM's modules: ~5.5 MB of RSS), and httpx without its CLI
    (rich and pygments: ~3 MB), in a fresh interpreter started as ``designer serve`` is."""
    from bms_service.testing import modules_loaded

    engine = make_engine(f"sqlite:///{tmp_path / 'projects.db'}")
    migrate(engine)  # as `designer migrate` does first (alembic loads mako, mako pygments)
    engine.dispose()
    check = f"""
import sys
import designer.cli  # the entry point, first
from pathlib import Path
from fastapi.testclient import TestClient
from designer.app import create_app
from designer.settings import Settings
tmp = Path({str(tmp_path)!r})
settings = Settings(data_dir=tmp, admin_password="a-long-password", web_dir=tmp / "web",
                    engine_token_file=None, iot_token_file=None)
with TestClient(create_app(settings)) as client:
    assert client.get("/health").status_code == 200
    login = {{"username": "admin", "password": "a-long-password"}}
    client.headers["x-csrf-token"] = client.post("/api/auth/login", json=login).json()["csrfToken"]
    assert client.post("/api/projects", json={{"name": "p"}}).status_code == 201
    assert client.get("/api/iot/devices").status_code == 502  # httpx called the IoT service
"""
    loaded = modules_loaded(check)
    assert "designer.app" in loaded  # the check looks at the right process
    assert {m for m in loaded if m.startswith(("sqlalchemy.orm", "rich", "pygments"))} == set()
