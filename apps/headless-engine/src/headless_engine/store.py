"""The engine's state directory: every file written atomically (temp file, fsync, rename).

::

    state_dir/
      token                 the API's bearer token (0600)
      trusted/*.pub         trusted bundle-signing public keys
      bundles/<ver>.json    every bundle deployed, as received
      active.json           the active version, its hash, and whether it runs
      history.jsonl         one line per deployment attempt, rollback, start and stop
      history.1.jsonl       the older lines, once history.jsonl passed HISTORY_MAX_BYTES
      state.json            block state, per-flow last run, the engine's logical time
      alarms.jsonl          alarm records, one line per change (see alarms.py)
      logs/engine.jsonl     structured log
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bms_schemas.engine import DeploymentRecord
from bms_service.tokens import load_or_create_token
from headless_engine.errors import CorruptBundleError, UnknownVersionError

_SAFE_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,64}$")
HISTORY_MAX_BYTES = 1_000_000
"""history.jsonl rotates to history.1.jsonl past this size: at most about twice it on disk."""


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _dump(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True)
class ActivePointer:
    """Which bundle is active, and whether it should run."""

    version: str
    hash: str
    running: bool


class StateStore:
    """Reads and writes the state directory."""

    def __init__(self, root: Path, *, history_max_bytes: int = HISTORY_MAX_BYTES) -> None:
        self.root = root
        self.history_max_bytes = history_max_bytes
        for sub in ("bundles", "trusted", "logs"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def clean_orphans(self) -> list[Path]:
        """Remove temp files a crash left between mkstemp and rename (never a live file)."""
        removed = []
        for tmp in self.root.rglob(".*.tmp"):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                continue  # a read-only or full disk: they can wait for the next start
        return removed

    # --- token ------------------------------------------------------------------------------

    def token(self, given: str | None) -> str:
        """The API token: ``given``, else the stored one, else a new one stored with mode 0600."""
        if given:
            return given
        return load_or_create_token(self.root / "token")

    # --- bundles ----------------------------------------------------------------------------

    def _bundle_path(self, version: str) -> Path:
        if not _SAFE_VERSION.match(version):
            raise UnknownVersionError(f"no bundle version {version!r}")
        return self.root / "bundles" / f"{version}.json"

    def save_bundle(self, version: str, document: dict[str, Any]) -> None:
        atomic_write(self._bundle_path(version), _dump(document))

    def load_bundle(self, version: str) -> dict[str, Any]:
        path = self._bundle_path(version)
        if not path.exists():
            raise UnknownVersionError(f"no bundle version {version!r} has been deployed here")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # a decode error is a ValueError too
            raise CorruptBundleError(
                f"the stored bundle {version!r} cannot be read ({path}): {err}"
            ) from err
        if not isinstance(document, dict):
            raise CorruptBundleError(f"the stored bundle {version!r} is not a JSON object ({path})")
        return document

    def has_bundle(self, version: str) -> bool:
        return _SAFE_VERSION.match(version) is not None and self._bundle_path(version).exists()

    # --- active pointer ---------------------------------------------------------------------

    def active(self) -> ActivePointer | None:
        path = self.root / "active.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return ActivePointer(raw["version"], raw["hash"], bool(raw.get("running", True)))

    def set_active(self, pointer: ActivePointer) -> None:
        atomic_write(
            self.root / "active.json",
            _dump({"version": pointer.version, "hash": pointer.hash, "running": pointer.running}),
        )

    # --- history ----------------------------------------------------------------------------

    def record(self, entry: DeploymentRecord) -> None:
        """Append one history line (appends are atomic enough for one writer: one write call)."""
        line = entry.model_dump_json(by_alias=True) + "\n"
        path = self.root / "history.jsonl"
        if path.exists() and path.stat().st_size + len(line) > self.history_max_bytes:
            os.replace(path, self.root / "history.1.jsonl")  # bounded: one older file is kept
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def history(self) -> list[DeploymentRecord]:
        """Every history entry kept, oldest first."""
        entries = []
        for name in ("history.1.jsonl", "history.jsonl"):
            path = self.root / name
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entries.append(DeploymentRecord.model_validate_json(line))
                except ValidationError:
                    continue  # a torn last line after a crash
        return entries

    # --- block state ------------------------------------------------------------------------

    def save_state(self, state: dict[str, Any]) -> None:
        atomic_write(self.root / "state.json", _dump(state))

    def load_state(self) -> dict[str, Any] | None:
        path = self.root / "state.json"
        if not path.exists():
            return None
        try:
            state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return None
        return state

    @staticmethod
    def stamp(at: datetime) -> str:
        return at.isoformat()
