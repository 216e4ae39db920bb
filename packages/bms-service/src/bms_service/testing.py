"""Helpers for tests over real processes: free ports, polling, child processes.

Imported by tests and benches only, never by a service's production code.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from bms_schemas import ErrorEnvelope

T = TypeVar("T")

#: What a condition may raise while the process it polls is still starting.
TRANSIENT = (httpx.HTTPError, OSError, KeyError, ValueError, TypeError)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    A condition that raises a network or parsing error (the process is still starting)
    counts as not yet, and the last answer is in the failure message.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = condition()
        except TRANSIENT as err:
            last = err
        else:
            if result:
                return result
            last = result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def modules_loaded(script: str, *args: str) -> set[str]:
    """The modules a fresh interpreter (as a service process is) has loaded after ``script``.

    For tests that keep a service's start path lean: what it imports, it keeps for its life.
    """
    report = "\nimport json as _j, sys as _s\nprint(_j.dumps(sorted(_s.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script + report, *args], capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise AssertionError(f"the script failed:\n{out.stderr}")
    return set(json.loads(out.stdout.splitlines()[-1]))


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the caller's BMS_ settings or pytest's variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMS_", "PYTEST"))}
    return env | extra


class Poster(Protocol):
    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response: ...


def assert_unparseable_bodies_answer_the_envelope(client: Poster, path: str) -> None:
    """A body that cannot be decoded answers 400 and one that is not JSON 422, both enveloped."""
    json_type = {"content-type": "application/json"}
    undecodable = client.post(path, content=b'{"x": "\xff"}', headers=json_type)
    assert undecodable.status_code == 400, undecodable.text
    assert ErrorEnvelope.model_validate_json(undecodable.content).code == "invalid_body"
    not_json = client.post(path, content=b"{x", headers=json_type)
    assert not_json.status_code == 422, not_json.text
    error = ErrorEnvelope.model_validate_json(not_json.content)
    assert error.code == "invalid_request"
    assert isinstance(error.details, dict)
    assert str(error.details["field"]).startswith("body")


class ChildProcess:
    """A real child process for end-to-end tests: output to a log file, killable, restartable.

    ``close()`` stops it as an operator would (SIGINT, then SIGKILL if it hangs).
    """

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with open(self.log, "ab") as handle:
            self.proc = subprocess.Popen(
                self.args, env=self.env, stdout=handle, stderr=subprocess.STDOUT
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(30)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
