"""The engine's state directory failing: a full disk, a corrupt bundle, crash leftovers.

A full disk is simulated by a state store whose writes raise ENOSPC (the
injected writer); everything else is the real engine app, its real store on a
temp dir, and the real HTTP adapter pointed at an IoT service that is away.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from headless_engine.app import create_app
from headless_engine.settings import Settings
from headless_engine.store import StateStore
from supervisor_engine import Clock
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings

from .conftest import NO_SERVICE, TOKEN, zone_graph


class FullDisk(StateStore):
    """A state store on a disk that has filled up: every write fails with ENOSPC."""

    full = False

    def _refuse(self) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")

    def save_bundle(self, version: str, document: dict[str, Any], project: str | None) -> None:
        self._refuse()
        super().save_bundle(version, document, project)

    def save_state(self, state: dict[str, Any]) -> None:
        self._refuse()
        super().save_state(state)

    def record(self, entry: dict[str, Any]) -> None:
        self._refuse()
        super().record(entry)

    def set_active(self, pointer: Any) -> None:
        self._refuse()
        super().set_active(pointer)


def client(settings: Settings, **kwargs: Any) -> TestClient:
    return TestClient(create_app(settings, **kwargs), headers={"authorization": f"Bearer {TOKEN}"})


def test_a_full_disk_refuses_a_deploy_with_507_and_keeps_the_active_version(settings, signed):
    store = FullDisk(Path(settings.state_dir))
    with client(settings, store=store) as engine:
        assert engine.post("/engine/deploy", json={"bundle": signed()}).status_code == 200
        store.full = True
        response = engine.post("/engine/deploy", json={"bundle": signed(zone_graph(22.0), "1.1.0")})
        assert response.status_code == 507
        body = response.json()
        assert body["code"] == "insufficient_storage"
        assert "No space left" in body["message"]
        assert engine.get("/engine/status").json()["version"] == "1.0.0"
        health = engine.get("/engine/health").json()
        assert health["degraded"]
        assert any("No space left" in r for r in health["reasons"])
        store.full = False
        # the refusal was recorded as soon as the disk took it (here: the next entry)
        assert (
            engine.post(
                "/engine/deploy", json={"bundle": signed(zone_graph(22.0), "1.1.0")}
            ).status_code
            == 200
        )


def test_a_failing_state_save_degrades_health_and_shutdown_still_relinquishes(settings, signed):
    store = FullDisk(Path(settings.state_dir))
    adapters: list[HttpIoAdapter] = []

    def adapter(clock: Clock) -> HttpIoAdapter:
        made = HttpIoAdapter(IotClientSettings(base_url=NO_SERVICE, backoff_max_s=0.5), clock)
        adapters.append(made)
        return made

    with client(settings, store=store, adapter_factory=adapter) as engine:
        engine.post("/engine/deploy", json={"bundle": signed()})
        runtime = engine.app.state.runtime  # type: ignore[attr-defined]
        store.full = True
        for _ in range(50):  # until no save that began before the disk filled lands after it
            runtime.save_state_now()
            health = engine.get("/engine/health").json()
            if any(r.startswith("state saves failing") for r in health["reasons"]):
                break
        assert any(r.startswith("state saves failing") for r in health["reasons"])
        assert "No space left" in " ".join(health["reasons"])
    # shutdown saved nothing (the disk is full) and still let go of every point it commands
    relinquished = [w for w in adapters[0].ledger.active() if w.value is None]
    assert {(w.point, w.priority) for w in relinquished} == {
        ("2001/analog-output,1/present-value", 10)
    }


def test_boot_on_a_full_disk_runs_the_last_good_state(settings, signed):
    with client(settings) as engine:
        engine.post("/engine/deploy", json={"bundle": signed()})
    store = FullDisk(Path(settings.state_dir))
    store.full = True
    with client(settings, store=store) as engine:
        status = engine.get("/engine/status").json()
        assert (status["version"], status["state"]) == ("1.0.0", "running")
        assert engine.get("/engine/health").json()["ready"] is True


def test_a_corrupt_active_bundle_falls_back_and_says_which_version_runs(settings, signed):
    with client(settings) as engine:
        engine.post("/engine/deploy", json={"bundle": signed(zone_graph(), "1.0.0")})
        engine.post("/engine/deploy", json={"bundle": signed(zone_graph(22.0), "1.1.0")})
    (Path(settings.state_dir) / "bundles" / "1.1.0.json").write_text('{"version": "1.1.0", "gra')
    with client(settings) as engine:
        status = engine.get("/engine/status").json()
        assert (status["version"], status["fallbackFrom"], status["state"]) == (
            "1.0.0",
            "1.1.0",
            "running",
        )
        health = engine.get("/engine/health").json()
        assert health["degraded"]
        [reason] = [r for r in health["reasons"] if "fallback" in r]
        assert "running fallback version 1.0.0" in reason
        assert "1.1.0 failed to load" in reason
        assert status["degradedReasons"] == health["reasons"]


def test_orphan_temp_files_are_removed_at_start(settings, signed):
    with client(settings) as engine:
        engine.post("/engine/deploy", json={"bundle": signed()})
    root = Path(settings.state_dir)
    orphans = [root / ".state.json.x1y2.tmp", root / "bundles" / ".2.0.0.json.abcd.tmp"]
    for orphan in orphans:
        orphan.write_text("half written")
    with client(settings):
        pass
    assert not any(o.exists() for o in orphans)
    assert json.loads((root / "active.json").read_text())["version"] == "1.0.0"


def test_history_rotates_and_is_served_a_page_at_a_time(settings, signed, tmp_path):
    store = StateStore(Path(settings.state_dir), history_max_bytes=2000)
    with client(settings, store=store) as engine:
        for i in range(12):
            engine.post("/engine/deploy", json={"bundle": signed(zone_graph(20.0 + i), f"1.{i}.0")})
        root = Path(settings.state_dir)
        assert (root / "history.1.jsonl").exists()
        assert (root / "history.jsonl").stat().st_size <= 2000
        page = engine.get("/engine/deployments", params={"limit": 3, "offset": 1}).json()
        assert [e["version"] for e in page["entries"]] == ["1.10.0", "1.9.0", "1.8.0"]
        assert page["offset"] == 1
        assert page["total"] >= 4
        assert engine.get("/engine/deployments", params={"limit": 0}).status_code == 422
