"""The same code on PostgreSQL: a real server from Debian's packages, started by the test.

The server runs as the ``postgres`` user (when the tests run as root) from a temporary data
directory, on a loopback port, with trust authentication for loopback only. The tests skip,
saying why, only when no PostgreSQL server binaries are installed or the server cannot start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from .conftest import content, login, make_app, make_settings
from .test_e2e import free_port

INSTALL = "apt-get install -y postgresql"


def pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def run_as_owner(args: list[str]) -> subprocess.CompletedProcess[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    binaries = pg_bin()
    if binaries is None:
        pytest.skip(f"no PostgreSQL server binaries (pg_ctl); install them with: {INSTALL}")
    root = Path(tempfile.mkdtemp(prefix="designer-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    init = run_as_owner(
        [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"PostgreSQL initdb failed: {init.stderr.strip()[-300:]}")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off"
    start = run_as_owner(
        [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
         "-w", "-t", "30", "start"]
    )  # fmt: skip
    if start.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {start.stdout.strip()[-300:]}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        run_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database per test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    admin = create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_client(tmp_path: Path, url: str) -> TestClient:
    return TestClient(make_app(make_settings(tmp_path, database_url=url)))


def test_projects_revisions_bundles_and_history_on_postgresql(pg_url, tmp_path: Path):
    with pg_client(tmp_path / "a", pg_url) as client:
        login(client)
        created = client.post("/api/projects", json={"name": "Zone", "content": content()})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        url = f"/api/projects/{pid}"
        assert (
            client.put(url, json={"revision": 1, "content": content(setpoint=22.0)}).json()[
                "revision"
            ]
            == 2
        )
        stale = client.put(url, json={"revision": 1, "content": content()})
        assert stale.status_code == 409
        assert stale.json()["details"]["currentRevision"] == 2
        assert client.post(f"{url}/rename", json={"revision": 2, "name": "Z"}).status_code == 200
        assert client.post(f"{url}/copy", json={"name": "Z2"}).status_code == 201
        assert client.delete(url).json()["deleted"] is True
        assert client.post(f"{url}/restore").json()["deleted"] is False
        assert client.post(f"{url}/validate").json()["valid"] is True
        assert client.post(f"{url}/bundles", json={}).json()["version"] == "0.1.0"
        assert client.post(f"{url}/bundles", json={"version": "0.1.0"}).status_code == 409
        assert client.post(f"{url}/deployments", json={"version": "0.1.0"}).status_code == 502
        history = client.get(f"{url}/deployments").json()["entries"]
        assert [e["outcome"] for e in history] == ["unreachable"]
        assert client.get(f"{url}/bundles/0.1.0").json()["document"]["version"] == "0.1.0"


def test_a_restart_keeps_data_and_sessions_on_postgresql(pg_url, tmp_path: Path):
    with pg_client(tmp_path / "a", pg_url) as client:
        login(client)
        client.post("/api/projects", json={"name": "Kept"})
        cookies = dict(client.cookies)
    with pg_client(tmp_path / "a", pg_url) as client:  # migrations run again: a no-op
        client.cookies.update(cookies)
        names = [p["name"] for p in client.get("/api/projects").json()["projects"]]
        assert names == ["Kept"]


def test_export_from_sqlite_import_into_postgresql_export_is_byte_identical(
    client, pg_url, tmp_path: Path
):
    created = client.post("/api/projects", json={"name": "Move", "content": content()}).json()
    first = client.get(f"/api/projects/{created['id']}/export").content
    with pg_client(tmp_path / "pg", pg_url) as pg:
        login(pg)
        imported = pg.post(
            "/api/projects/import", content=first, headers={"content-type": "application/zip"}
        )
        assert imported.status_code == 201, imported.text
        assert pg.get(f"/api/projects/{imported.json()['id']}/export").content == first


def test_migrations_match_the_models_on_postgresql(pg_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from designer.db import make_engine, migrate
    from designer.models import metadata

    engine = make_engine(pg_url)
    migrate(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    engine.dispose()
