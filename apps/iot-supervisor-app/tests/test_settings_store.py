"""Settings defaults and the loopback rule; runtime.db in WAL mode."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bms_schemas import PointRef, PointValue, Quality
from iot_supervisor.addresses import BipAddress
from iot_supervisor.auth import load_or_create_token
from iot_supervisor.errors import ConfigError
from iot_supervisor.settings import Settings
from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.store import RuntimeStore


def test_every_default_address_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BMS_IOT_BACNET_ADDRESS", "BMS_IOT_HTTP_HOST", "BMS_IOT_TARGETS"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert BipAddress.parse(s.bacnet_address).is_loopback
    assert BipAddress.parse(s.broadcast_address).is_loopback
    assert s.http_host == "127.0.0.1"
    assert s.http_port == 8080


def test_env_prefix_and_lan_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMS_IOT_TARGETS", '["127.0.0.2:47808"]')
    assert Settings().targets == ["127.0.0.2:47808"]
    monkeypatch.setenv("BMS_IOT_BACNET_ADDRESS", "192.168.1.10/24:47808")
    with pytest.raises(ValueError, match="not a loopback address"):
        Settings()
    monkeypatch.setenv("BMS_IOT_ALLOW_LAN", "true")
    assert Settings().bacnet_address.startswith("192.168.1.10")


def test_simulator_config_refuses_lan_and_duplicates() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimulatorConfig.model_validate(
            {"devices": [{"instance": 1, "address": "10.0.0.5:47808", "name": "x"}]}
        )
    with pytest.raises(ValueError, match="same ip:port"):
        SimulatorConfig.model_validate(
            {
                "devices": [
                    {"instance": 1, "address": "127.0.0.5:47808", "name": "a"},
                    {"instance": 2, "address": "127.0.0.5/8:47808", "name": "b"},
                ]
            }
        )
    with pytest.raises(ConfigError):
        BipAddress.parse("127.0.0.1:99999")


def test_token_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    token = load_or_create_token(settings)
    assert len(token) >= 32
    assert (settings.token_path.stat().st_mode & 0o777) == 0o600
    assert load_or_create_token(settings) == token


def test_runtime_db_is_wal_and_writes_off_the_loop(tmp_path: Path) -> None:
    store = RuntimeStore(tmp_path / "runtime.db", retention_s=60)
    try:
        assert store.journal_mode == "wal"
        point = PointRef.parse("1/analog-value,1")
        value = PointValue.model_validate(
            {"value": 1.5, "quality": Quality.OK, "timestamp": "2026-01-01T00:00:00Z"}
        )
        store.save_value(point, value)
        store.audit(caller="t", point=str(point), value=1.5, priority=8, outcome="written")

        async def flushed() -> None:
            await store.flush()

        asyncio.run(flushed())
        assert store.value_log_count(str(point)) == 1
        [entry] = store.audit_entries()
        assert (entry.outcome, entry.priority, entry.value) == ("written", 8, 1.5)
        with sqlite3.connect(tmp_path / "runtime.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


def test_the_example_simulator_file_loads() -> None:
    path = Path(__file__).resolve().parents[1] / "examples" / "small-building.yaml"
    config = SimulatorConfig.load(path)
    assert [d.instance for d in config.devices] == [1001, 1002, 1003]
    assert config.devices[0].objects[4].state_texts == ("Off", "Heat", "Cool", "Auto")


def test_interlocks_from_a_file_add_to_those_in_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "interlocks.yaml"
    path.write_text("- {pattern: '1001/analog-output,*', read_only: true}\n")
    settings = Settings(
        data_dir=tmp_path,
        interlocks=[{"pattern": "*", "max": 100.0}],  # type: ignore[list-item]
        interlocks_file=path,
    )
    locks = settings.all_interlocks()
    assert [(lock.pattern, lock.read_only, lock.max) for lock in locks] == [
        ("*", False, 100.0),
        ("1001/analog-output,*", True, None),
    ]
