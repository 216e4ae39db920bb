"""runtime.db held locked by another process: nothing is dropped, readers are not held.

The "other process" is a second SQLite connection holding an exclusive
transaction, which is exactly what another process's lock looks like to the
writer (SQLite locks are per connection).
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bms_schemas import PointRef, PointValue
from bms_service.testing import wait_for
from iot_supervisor.store import RuntimeStore

POINT = PointRef.parse("2001/analog-value,1/present-value")


def test_a_locked_database_delays_writes_but_loses_none(tmp_path: Path):
    store = RuntimeStore(tmp_path / "runtime.db", retention_s=3600)
    other = sqlite3.connect(tmp_path / "runtime.db", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        for i in range(50):
            store.audit(caller="t", point=str(POINT), value=i, priority=8, outcome="written")
        store.save_value(POINT, PointValue(value=1.5, timestamp=datetime.now(UTC)))
        wait_for(lambda: store.lock_retries >= 2, 30, "the writer to meet the lock and retry")
        # readers see what is committed while the lock is held, and a bounded flush says so
        assert store.audit_entries(10) == []
        assert asyncio.run(_flush(store, 0.2)) is False
        other.execute("COMMIT")
        assert asyncio.run(_flush(store, 30)) is True
        entries = store.audit_entries(100)
        assert [e.value for e in reversed(entries)] == list(range(50))
        assert store.value_log_count(str(POINT)) == 1
    finally:
        other.close()
        store.close()


async def _flush(store: RuntimeStore, timeout_s: float) -> bool:
    return await store.flush(timeout_s=timeout_s)


def test_a_priority_that_fits_no_integer_is_refused_and_audited(service_factory):
    service = service_factory()
    huge = 10**30
    response = service.http.post(
        "/points/write",
        json={"writes": [{"point": str(POINT), "value": 1, "priority": huge}]},
    )
    assert 400 <= response.status_code < 500, response.text
    entries = service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
    assert entries, "the refusal is in the audit log"
    assert entries[0]["priority"] is None
    assert str(huge) in entries[0]["error"]


def test_a_wall_clock_stepped_forward_prunes_no_value_log_rows(tmp_path: Path, monkeypatch):
    import time

    store = RuntimeStore(tmp_path / "runtime.db", retention_s=3600)
    stamp = datetime.now(UTC)
    real = time.time
    # the wall clock steps two days ahead while the service runs (only the wall clock)
    monkeypatch.setattr(time, "time", lambda: real() + 2 * 86_400)
    try:
        for i in range(600):  # more than a pruning round
            store.save_value(POINT, PointValue(value=float(i), timestamp=stamp))
        assert asyncio.run(_flush(store, 30)) is True
        assert store.value_log_count(str(POINT)) == 600
    finally:
        store.close()
