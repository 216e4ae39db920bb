"""The three services as processes: how to start each, and how to tell it is ready."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent

Ready = Callable[[], bool]


@dataclass
class ServiceSpec:
    """One service: its command line, environment, log file and readiness check."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready: Ready
    url: str
    prepare: list[str] | None = None
    """A command run to completion (same environment and log) before the first start."""


@dataclass
class Running:
    """A started service and its restart bookkeeping."""

    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    started_at: float
    restarts: int = 0
    history: list[int] = field(default_factory=list)
    """Exit codes of earlier runs."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> int | None:
        return self.process.poll()


def spawn(spec: ServiceSpec) -> subprocess.Popen[bytes]:
    """Start the service with its output appended to its log file."""
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    with open(spec.log, "ab") as log:
        # its own process group: a Ctrl-C in the terminal reaches the launcher only,
        # which then stops the services in order
        return subprocess.Popen(
            spec.argv, env=spec.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def run_prepare(spec: ServiceSpec) -> None:
    """Run the service's preparation step, if it has one; RuntimeError when it fails."""
    if spec.prepare is None:
        return
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    with open(spec.log, "ab") as log:
        code = subprocess.run(
            spec.prepare, env=spec.env, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode
    if code != 0:
        raise RuntimeError(
            f"{spec.name}: {' '.join(spec.prepare)} failed (exit {code}); see {spec.log}"
        )


def stop(process: subprocess.Popen[bytes], timeout_s: float = 20.0) -> int:
    """SIGINT (a clean shutdown: relinquish, save, close), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return int(process.returncode)


def http_ok(url: str, token_file: Path | None = None, accept: tuple[int, ...] = (200,)) -> bool:
    """Whether ``url`` answers with one of ``accept`` (with the token from ``token_file``)."""
    headers = {}
    if token_file is not None:
        try:
            headers["authorization"] = f"Bearer {token_file.read_text().strip()}"
        except OSError:
            return False
    try:
        return httpx.get(url, headers=headers, timeout=2).status_code in accept
    except httpx.HTTPError:
        return False


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any BMS_ setting of the caller's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BMS_")}
    return env | extra
