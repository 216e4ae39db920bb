"""The engine's state directory: every file written atomically (temp file, fsync, rename).

::

    state_dir/
      token                 the API's bearer token (0600)
      trusted/*.pub         trusted bundle-signing public keys
      bundles/<project>/<ver>.json  every bundle deployed, as received, by project id
      bundles/<ver>.json    a bundle with no project, or stored before bundles were keyed by
                            project (still read: a version is unique within one project)
      active.json           the active version, its hash, and whether it runs
      history.jsonl         one line per deployment attempt, rollback, start and stop
      history.1.jsonl       the older lines, once history.jsonl passed HISTORY_MAX_BYTES
      state.json            block state, per-flow last run, the engine's logical time
      alarms.jsonl          alarm records, one line per change (see alarms.py)
      logs/engine.jsonl     structured log
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

from bms_schemas.engine import DeploymentRecord
from bms_service.tokens import load_or_create_token
from headless_engine.errors import CorruptBundleError, UnknownVersionError

_SAFE_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,64}$")
_SAFE_PROJECT = re.compile(r"^[0-9A-Za-z_-][0-9A-Za-z._-]{0,63}$")


def _project_dir(project: str) -> str:
    """A directory name for a project id: the id itself when it is a safe name, else a hash."""
    if _SAFE_PROJECT.match(project):
        return project
    return "sha256-" + hashlib.sha256(project.encode()).hexdigest()[:32]


def _project_of(document: dict[str, Any]) -> str | None:
    project = document.get("project")
    if isinstance(project, dict) and isinstance(project.get("id"), str):
        return str(project["id"])
    return None


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
    """Indented JSON, UTF-8; NaN and infinities as Python's json writes and reads them.

    pydantic-core's encoder, not ``json.dumps``: with an indent, the standard library
    encodes in Python, a string per token (14 ms and ~3 MB of small objects for a
    1,500-block bundle, in the middle of a deploy; every few seconds for the state, in a
    thread that holds the GIL while ticks wait). This one takes 1.5 ms and one buffer.
    """
    return to_json(value, indent=2, inf_nan_mode="constants") + b"\n"


@dataclass(frozen=True)
class ActivePointer:
    """Which bundle is active, and whether it should run."""

    version: str
    hash: str
    running: bool
    project: str | None = None
    """The bundle's project id (None: no project, or written before pointers named it)."""


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

    def _bundle_path(self, version: str, project: str | None) -> Path:
        """Where the bundle of ``project`` at ``version`` is stored (None: no project)."""
        if not _SAFE_VERSION.match(version):
            raise UnknownVersionError(f"no bundle version {version!r}")
        if project is None:
            return self.root / "bundles" / f"{version}.json"
        return self.root / "bundles" / _project_dir(project) / f"{version}.json"

    def _existing_path(self, version: str, project: str | None) -> Path | None:
        """The stored file of that bundle, or a legacy one keyed by version alone if it is
        that project's (state directories written before bundles were keyed by project)."""
        path = self._bundle_path(version, project)
        if path.exists():
            return path
        legacy = self._bundle_path(version, None)
        if project is not None and legacy.exists():
            try:
                document = json.loads(legacy.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return legacy  # unreadable: load_bundle says so
            if isinstance(document, dict) and _project_of(document) in (project, None):
                return legacy
        return None

    def save_bundle(self, version: str, document: dict[str, Any], project: str | None) -> None:
        atomic_write(self._bundle_path(version, project), _dump(document))

    def load_bundle(self, version: str, project: str | None) -> dict[str, Any]:
        path = self._existing_path(version, project)
        of = f" of project {project!r}" if project is not None else ""
        if path is None:
            raise UnknownVersionError(f"no bundle version {version!r}{of} has been deployed here")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # a decode error is a ValueError too
            raise CorruptBundleError(
                f"the stored bundle {version!r}{of} cannot be read ({path}): {err}"
            ) from err
        if not isinstance(document, dict):
            raise CorruptBundleError(f"the stored bundle {version!r} is not a JSON object ({path})")
        return document

    def has_bundle(self, version: str, project: str | None) -> bool:
        return _SAFE_VERSION.match(version) is not None and (
            self._existing_path(version, project) is not None
        )

    # --- active pointer ---------------------------------------------------------------------

    def active(self) -> ActivePointer | None:
        path = self.root / "active.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        project = raw.get("project")
        return ActivePointer(
            raw["version"], raw["hash"], bool(raw.get("running", True)),
            project if isinstance(project, str) else None,
        )  # fmt: skip

    def set_active(self, pointer: ActivePointer) -> None:
        atomic_write(
            self.root / "active.json",
            _dump(
                {
                    "version": pointer.version,
                    "hash": pointer.hash,
                    "running": pointer.running,
                    "project": pointer.project,
                }
            ),
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
