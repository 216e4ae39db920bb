"""The on-disk outbox: messages wait here, in order, until the broker acknowledges them.

SQLite in WAL mode, one row per message, the row id is the order. A message is
deleted only after the broker's PUBACK, so a crash or an outage loses nothing
that was queued. The queue is bounded: past ``max_rows`` the oldest *retained*
messages (point values, which a newer value of the same point supersedes) are
dropped first, then the oldest events; every drop is counted.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    payload: bytes
    qos: int
    retain: bool


class DiskQueue:
    """A bounded FIFO of MQTT messages in SQLite; safe to use from several threads."""

    def __init__(self, path: Path, max_rows: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_rows = max_rows
        self.dropped = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        self._seq = int(row[0]) if row else 0

    @property
    def depth(self) -> int:
        """Messages waiting."""
        return self._depth

    def put(self, topic: str, body: dict[str, Any], qos: int, retain: bool) -> int:
        """Queue ``body`` as JSON with its sequence number (``seq``, the row id); return it."""
        with self._lock:
            row = self._db.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"
            ).fetchone()
            seq = (int(row[0]) if row else 0) + 1
            payload = json.dumps({**body, "seq": seq}, separators=(",", ":"), default=str)
            self._db.execute(
                "INSERT INTO outbox (id, topic, payload, qos, retain) VALUES (?, ?, ?, ?, ?)",
                (seq, topic, payload.encode(), qos, int(retain)),
            )
            self._seq = seq
            self._depth += 1
            if self._depth > self.max_rows:
                self._trim()
            return seq

    def _trim(self) -> None:
        excess = self._depth - self.max_rows
        for retained in (1, 0):
            if excess <= 0:
                break
            cursor = self._db.execute(
                "DELETE FROM outbox WHERE id IN "
                "(SELECT id FROM outbox WHERE retain = ? ORDER BY id LIMIT ?)",
                (retained, excess),
            )
            excess -= cursor.rowcount
            self._depth -= cursor.rowcount
            self.dropped += cursor.rowcount

    def peek(self, limit: int) -> list[Message]:
        """The oldest ``limit`` messages, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, topic, payload, qos, retain FROM outbox ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
        return [Message(r[0], r[1], bytes(r[2]), r[3], bool(r[4])) for r in rows]

    def ack(self, message_id: int) -> None:
        """The broker has it: forget it."""
        self.ack_through(message_id, message_id)

    def ack_through(self, first: int, last: int) -> None:
        """The broker has every message from ``first`` to ``last``: forget them (one statement)."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM outbox WHERE id BETWEEN ? AND ?", (first, last))
            self._depth -= cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["DiskQueue", "Message"]
