"""``runtime.db``: SQLite in WAL mode, written by one thread so the BACnet loop never waits on disk.

The event loop only puts statements on a queue (:meth:`RuntimeStore.submit`);
the writer thread batches them into transactions. Reads run in a worker thread
on their own connection; :meth:`flush` lets a reader see everything submitted
before it (the audit log is read right after a refusal is recorded).

Another process may hold the database locked (a backup, an operator's
``sqlite3`` shell). The writer then retries the whole batch with a growing
delay instead of dropping statements, so the audit log never loses an entry;
readers wait for the writer only briefly (:meth:`flush` with a timeout), since
WAL lets them read what is committed while the lock is held.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bms_schemas import PointRef, PointValue, Scalar
from bms_schemas.iot import AuditEntry, DeviceDetail, Override
from iot_supervisor.history import LogRow

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (instance INTEGER PRIMARY KEY, detail TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS last_values (point TEXT PRIMARY KEY, value TEXT, quality TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS value_log (id INTEGER PRIMARY KEY, point TEXT NOT NULL, value TEXT, quality TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS value_log_at ON value_log (at);
CREATE INDEX IF NOT EXISTS value_log_point_at ON value_log (point, at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, caller TEXT NOT NULL, point TEXT NOT NULL,
    value TEXT, priority INTEGER, outcome TEXT NOT NULL, reason TEXT, error TEXT
);
CREATE INDEX IF NOT EXISTS audit_point ON audit (point, priority);
CREATE TABLE IF NOT EXISTS overrides (
    point TEXT NOT NULL, priority INTEGER NOT NULL, value TEXT NOT NULL, caller TEXT NOT NULL,
    reason TEXT, since TEXT NOT NULL, until TEXT, PRIMARY KEY (point, priority)
);
"""

_MIGRATIONS: tuple[tuple[str, str, str], ...] = (
    # (table, column, statements run when the column is missing)
    (
        "audit",
        "error",
        # Before the column existed, 'reason' held why a write failed or was refused.
        "ALTER TABLE audit ADD COLUMN error TEXT; UPDATE audit SET error = reason, reason = NULL;",
    ),
)

log = logging.getLogger(__name__)

_Statement = tuple[str, tuple[Any, ...]]
_PRUNE_EVERY = 500
_BUSY_TIMEOUT_S = 1.0
"""SQLite's own wait for a lock, per attempt; the writer retries after it."""
_RETRY_MAX_S = 2.0


def _is_lock(err: sqlite3.Error) -> bool:
    return isinstance(err, sqlite3.OperationalError) and (
        "locked" in str(err) or "busy" in str(err)
    )


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(
        id=r[0], at=datetime.fromisoformat(r[1]), caller=r[2], point=r[3],
        value=json.loads(r[4]), priority=r[5], outcome=r[6], reason=r[7], error=r[8],
    )  # fmt: skip


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a runtime.db written by an older version lacks."""
    for table, column, statements in _MIGRATIONS:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            conn.executescript(statements)


class RuntimeStore:
    """The service's persistent state."""

    def __init__(self, path: Path, *, retention_s: float) -> None:
        self.path = path
        self.retention_s = retention_s
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(SCHEMA)
            _migrate(conn)
        self.lock_retries = 0
        """Times a batch waited for a lock held by another process."""
        self._wall0, self._mono0 = time.time(), time.monotonic()
        self._queue: queue.SimpleQueue[_Statement | Callable[[], None] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(
            target=self._write_loop, name="runtime.db writer", daemon=True
        )
        self._writer.start()
        self.journal_mode = self._query_one("PRAGMA journal_mode")

    def _connect(self, timeout: float = 10.0) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _query_one(self, sql: str) -> Any:
        with self._connect() as conn:
            return conn.execute(sql).fetchone()[0]

    # -- writer thread ---------------------------------------------------------

    def steady_now(self) -> float:
        """Wall time as it was at start plus monotonic time since: retention is pruned by it,
        so a wall clock stepped forward (or back) while running never prunes rows early."""
        return self._wall0 + (time.monotonic() - self._mono0)

    def submit(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Queue a statement; never blocks."""
        self._queue.put((sql, params))

    def _write_loop(self) -> None:
        conn = self._connect(_BUSY_TIMEOUT_S)
        written = 0
        try:
            while True:
                item = self._queue.get()
                batch = [item]
                while not self._queue.empty() and len(batch) < 1000:
                    batch.append(self._queue.get())
                stop = any(entry is None for entry in batch)
                done = [entry for entry in batch if callable(entry)]
                statements = [e for e in batch if e is not None and not callable(e)]
                written += self._commit(conn, statements, written + len(statements))
                if written >= _PRUNE_EVERY:
                    written = 0
                for callback in done:
                    try:
                        callback()
                    except RuntimeError:  # the flush's event loop has closed: nobody waits
                        continue
                if stop:
                    return
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, statements: list[_Statement], count: int) -> int:
        """Commit ``statements`` in one transaction, retrying while another process holds a lock."""
        delay = 0.05
        while True:
            try:
                with conn:
                    written = sum(self._execute(conn, s) for s in statements)
                    if count >= _PRUNE_EVERY:
                        conn.execute(
                            "DELETE FROM value_log WHERE at < ?",
                            (self.steady_now() - self.retention_s,),
                        )
                return written
            except sqlite3.Error as err:
                if not _is_lock(err):
                    log.exception("runtime.db: a batch of %d failed", len(statements))
                    return 0
                self.lock_retries += 1
                if self.lock_retries == 1 or self.lock_retries % 20 == 0:
                    log.warning("runtime.db is locked by another process; retrying (%s)", err)
                time.sleep(delay)
                delay = min(_RETRY_MAX_S, delay * 2)

    @staticmethod
    def _execute(conn: sqlite3.Connection, statement: _Statement) -> int:
        # One bad statement must not end the writer thread: everything after it would be lost.
        # A lock is not a bad statement: it goes up, and the whole batch is tried again.
        try:
            conn.execute(*statement)
        except sqlite3.Error as err:
            if _is_lock(err):
                raise
            log.exception("runtime.db: statement failed: %s", statement[0])
            return 0
        except (OverflowError, ValueError):
            log.exception("runtime.db: statement failed: %s", statement[0])
            return 0
        return 1

    async def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until everything submitted so far is committed; False if ``timeout_s`` passed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not future.done():
                future.set_result(None)

        def done() -> None:
            loop.call_soon_threadsafe(resolve)

        if not self._writer.is_alive():
            raise RuntimeError("the runtime.db writer thread has stopped")
        self._queue.put(done)
        if timeout_s is None:
            await future
            return True
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=10)

    # -- domain writes -----------------------------------------------------------

    def save_device(self, detail: DeviceDetail) -> None:
        self.submit(
            "INSERT OR REPLACE INTO devices (instance, detail, updated_at) VALUES (?, ?, ?)",
            (detail.device.instance, detail.model_dump_json(), time.time()),
        )

    def save_value(self, point: PointRef, value: PointValue) -> None:
        encoded = json.dumps(value.value)
        self.submit(
            "INSERT OR REPLACE INTO last_values (point, value, quality, at) VALUES (?, ?, ?, ?)",
            (str(point), encoded, value.quality.value, value.timestamp.isoformat()),
        )
        self.submit(
            "INSERT INTO value_log (point, value, quality, at) VALUES (?, ?, ?, ?)",
            (str(point), encoded, value.quality.value, value.timestamp.timestamp()),
        )

    def audit(
        self,
        *,
        caller: str,
        point: str,
        value: Scalar | None,
        priority: int | None,
        outcome: str,
        reason: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record a write attempt: ``reason`` is the caller's why, ``error`` why it did not happen."""
        self.submit(
            "INSERT INTO audit (at, caller, point, value, priority, outcome, reason, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(),
                caller,
                point,
                json.dumps(value),
                priority,
                outcome,
                reason,
                error,
            ),
        )

    def save_override(self, override: Override) -> None:
        self.submit(
            "INSERT OR REPLACE INTO overrides (point, priority, value, caller, reason, since, until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(override.point),
                override.priority,
                json.dumps(override.value),
                override.caller,
                override.reason,
                override.since.isoformat(),
                override.until.isoformat() if override.until else None,
            ),
        )

    def delete_override(self, point: str, priority: int) -> None:
        self.submit("DELETE FROM overrides WHERE point = ? AND priority = ?", (point, priority))

    # -- reads (run them with asyncio.to_thread) -----------------------------------

    def load_overrides(self) -> list[Override]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT point, priority, value, caller, reason, since, until FROM overrides"
            ).fetchall()
        return [
            Override(
                point=PointRef.parse(r[0]), priority=r[1], value=json.loads(r[2]), caller=r[3],
                reason=r[4], since=datetime.fromisoformat(r[5]),
                until=datetime.fromisoformat(r[6]) if r[6] else None,
            )
            for r in rows
        ]  # fmt: skip

    def latest_writes(self, point: str) -> dict[int, AuditEntry]:
        """Per priority, the last write the service made to ``point`` (relinquishes included)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, at, caller, point, value, priority, outcome, reason, error FROM audit "
                "WHERE id IN (SELECT max(id) FROM audit WHERE point = ? AND outcome = 'written' "
                "GROUP BY priority)",
                (point,),
            ).fetchall()
        return {r[5]: _entry(r) for r in rows}

    def load_devices(self) -> list[DeviceDetail]:
        with self._connect() as conn:
            rows = conn.execute("SELECT detail FROM devices ORDER BY instance").fetchall()
        return [DeviceDetail.model_validate_json(r[0]) for r in rows]

    def audit_entries(
        self,
        limit: int = 100,
        outcome: str | None = None,
        *,
        point: str | None = None,
        device: int | None = None,
        caller: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """The newest entries first, filtered by outcome, point, device, caller and time."""
        where: list[str] = []
        params: list[Any] = []
        if outcome is not None:
            where.append("outcome = ?")
            params.append(outcome)
        if point is not None:
            where.append("point = ?")
            params.append(point)
        if device is not None:
            where.append("point LIKE ?")
            params.append(f"{device}/%")
        if caller is not None:
            where.append("(caller = ? OR caller LIKE ?)")
            params += [caller, f"%:{caller}"]
        if since is not None:
            where.append("at >= ?")
            params.append(since.astimezone(UTC).isoformat())
        if until is not None:
            where.append("at <= ?")
            params.append(until.astimezone(UTC).isoformat())
        sql = "SELECT id, at, caller, point, value, priority, outcome, reason, error FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._connect() as conn:
            rows = conn.execute(sql, (*params, limit)).fetchall()
        return [_entry(r) for r in rows]

    def value_history(
        self, point: str, start: float, end: float
    ) -> tuple[LogRow | None, list[LogRow]]:
        """The last row before ``start`` and every row in ``[start, end)``, oldest first."""
        with self._connect() as conn:
            before = conn.execute(
                "SELECT at, value, quality FROM value_log WHERE point = ? AND at < ? "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (point, start),
            ).fetchone()
            rows = conn.execute(
                "SELECT at, value, quality FROM value_log WHERE point = ? AND at >= ? AND at < ? "
                "ORDER BY at, id",
                (point, start, end),
            ).fetchall()
        return (
            LogRow.from_db(*before) if before is not None else None,
            [LogRow.from_db(*r) for r in rows],
        )

    def value_log_count(self, point: str) -> int:
        with self._connect() as conn:
            return int(
                conn.execute("SELECT count(*) FROM value_log WHERE point = ?", (point,)).fetchone()[
                    0
                ]
            )
