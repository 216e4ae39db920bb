"""The fault matrix against the whole running system: does it recover, and hold its commands?

Starts the demo stack (bench/demo_stack.py: simulated devices, IoT service,
engine, Designer on 127.11.x.x / ports 41100-41199), then injects each fault
one at a time. After each it waits (bounded) until

- every service answers healthy and the engine runs,
- every point output's command sits in its priority slot on the simulated
  device, read back over BACnet (``mismatched_commands`` counts those that never
  got there), and every slot the engine let go of is empty (``stuck_overrides``),
- nothing was lost: deployment history, projects, and every audit row that
  existed before the fault (read from runtime.db itself).

``recovery_s`` is, per fault, the time from the end of the injection to all of
that holding. Faults that cannot be injected on this machine (a tmpfs for a
full disk needs mount rights; stepping the wall clock would move the clock of
everyone sharing it) are reported as skipped, with the reason.

    uv run python bench/faults.py            # a table
    uv run python bench/faults.py --json     # {"faults": N, "survived": N, "lost": 0, ...}
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from demo_stack import DemoStack, wait_for

RECOVER_WITHIN_S = 90.0


class Skipped(Exception):
    """The fault cannot be injected here."""


def _audit(stack: DemoStack) -> tuple[int, int]:
    """(rows, max id) of the audit log, read from runtime.db itself (read-only)."""
    db = sqlite3.connect(f"file:{stack.data / 'iot' / 'runtime.db'}?mode=ro", uri=True, timeout=30)
    try:
        rows, top = db.execute("SELECT count(*), coalesce(max(id), 0) FROM audit").fetchone()
        return int(rows), int(top)
    finally:
        db.close()


def _audit_kept(stack: DemoStack, before: tuple[int, int]) -> bool:
    db = sqlite3.connect(f"file:{stack.data / 'iot' / 'runtime.db'}?mode=ro", uri=True, timeout=30)
    try:
        (kept,) = db.execute("SELECT count(*) FROM audit WHERE id <= ?", (before[1],)).fetchone()
    finally:
        db.close()
    return int(kept) == before[0]


def _project(stack: DemoStack) -> dict[str, Any]:
    projects = stack.designer.call("GET", "/api/projects")["projects"]
    summary = next(p for p in projects if p["name"] == "Demo building")
    return dict(stack.designer.call("GET", f"/api/projects/{summary['id']}"))


def _deploy_new_version(stack: DemoStack) -> str:
    project = _project(stack)
    bundle = stack.designer.call("POST", f"/api/projects/{project['id']}/bundles", json={})
    stack.designer.call(
        "POST", f"/api/projects/{project['id']}/deployments", json={"version": bundle["version"]}
    )
    return str(bundle["version"])


# --- the faults -------------------------------------------------------------------------------


def iot_sigkill(stack: DemoStack) -> None:
    stack.kill("iot-service")
    stack.restart("iot-service")


def engine_sigkill_mid_deploy(stack: DemoStack) -> None:
    project = _project(stack)
    bundle = stack.designer.call("POST", f"/api/projects/{project['id']}/bundles", json={})
    deploying = threading.Thread(
        target=lambda: stack.designer.http.post(
            f"/api/projects/{project['id']}/deployments", json={"version": bundle["version"]}
        ),
        daemon=True,
    )
    deploying.start()
    time.sleep(0.05)  # the request is on its way: the kill lands during the deploy
    stack.kill("engine")
    deploying.join(30)
    stack.restart("engine")


def device_silent(stack: DemoStack) -> None:
    process = stack.process("simulator")
    process.send_signal(signal.SIGSTOP)
    try:
        wait_for(
            lambda: stack.engine.get("/engine/status").json()["iot"]["devicesOffline"],
            30,
            "the engine to see the devices offline",
        )
    finally:
        process.send_signal(signal.SIGCONT)


def device_reboot(stack: DemoStack) -> None:
    stack.kill("simulator")  # every device restarts with an empty priority array
    stack.restart("simulator")


def runtime_db_locked(stack: DemoStack) -> dict[str, Any]:
    db = sqlite3.connect(stack.data / "iot" / "runtime.db", timeout=30, isolation_level=None)
    slowest = 0.0
    point = "2101/analog-output,2/present-value"  # written and let go at 14, which nothing uses
    try:
        db.execute("BEGIN EXCLUSIVE")
        for _ in range(5):
            for value in (5.0, None):
                response = stack.iot.post(
                    "/points/write",
                    json={"writes": [{"point": point, "value": value, "priority": 14}]},
                )
                response.raise_for_status()
            started = time.monotonic()
            stack.iot.get("/writes", params={"limit": 10}).raise_for_status()
            slowest = max(slowest, time.monotonic() - started)
        time.sleep(3)  # held past SQLite's busy timeout: the writer must wait, not drop
    finally:
        db.execute("COMMIT")
        db.close()
    mine = wait_for(
        lambda: len([e for e in stack.iot.get("/writes", params={"limit": 1000}).json()["entries"]
                     if e["point"] == point and e["priority"] == 14]) >= 10,
        30, "the 10 writes made under the lock in the audit log",
    )  # fmt: skip
    return {"get_writes_max_s": round(slowest, 3), "audited": bool(mine)}


def _sh(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def state_dir_full(stack: DemoStack) -> dict[str, Any]:
    """The engine's state dir on a tmpfs filled to the last byte: boot, refuse, relinquish."""
    state = stack.data / "engine"
    saved = stack.data / "engine.saved"
    stack.kill("engine", signal.SIGTERM)
    shutil.copytree(state, saved, symlinks=True)
    used_kb = sum(f.stat().st_size for f in saved.rglob("*") if f.is_file()) // 1024
    mounted = _sh("mount", "-t", "tmpfs", "-o", f"size={used_kb + 256}k", "tmpfs", str(state))
    if mounted.returncode != 0:
        shutil.rmtree(saved)
        stack.restart("engine")
        raise Skipped(f"no tmpfs here ({mounted.stderr.strip() or 'mount refused'}); the full "
                      "disk is covered by test_storage_faults.py with an injected ENOSPC store")  # fmt: skip
    detail: dict[str, Any] = {}
    try:
        shutil.copytree(saved, state, symlinks=True, dirs_exist_ok=True)
        with open(state / "filler", "wb") as filler:  # only this tmpfs fills up
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        stack.restart("engine")  # boots on the full disk with its last good state
        wait_for(stack.healthy, RECOVER_WITHIN_S, "the engine running on a full disk")
        wrong, stuck = recover(stack)
        detail["held_on_full_disk"] = not wrong and not stuck
        project = _project(stack)
        bundle = stack.designer.call("POST", f"/api/projects/{project['id']}/bundles", json={})
        answer = stack.designer.http.post(
            f"/api/projects/{project['id']}/deployments", json={"version": bundle["version"]}
        )
        detail["deploy_answer"] = answer.json().get("engineAnswer") or answer.text[:200]
        health = wait_for(
            lambda: [r for r in httpx.get(f"{stack.config.engine_url}/engine/health",
                                          timeout=5).json()["reasons"] if "saves failing" in r],
            30, "health to say state saves fail",
        )  # fmt: skip
        detail["health"] = health[0][:120]
        commands = [c for c in stack.commands() if c[2] is not None]
        stack.kill("engine", signal.SIGTERM)  # the final save fails; the relinquish must not
        left = [h for h in stack.slots(commands) if h is not None]
        detail["slots_held_after_shutdown"] = len(left)
        if left:
            raise AssertionError(f"{len(left)} slot(s) still held after a shutdown on a full disk")
        (state / "filler").unlink()
        shutil.rmtree(saved)
        shutil.copytree(state, saved, symlinks=True)
    finally:
        if stack.process("engine").poll() is None:
            stack.kill("engine", signal.SIGTERM)
        _sh("umount", str(state))
        shutil.rmtree(state, ignore_errors=True)
        shutil.copytree(saved, state, symlinks=True)
        shutil.rmtree(saved)
        stack.restart("engine")
    return detail


def corrupt_active_bundle(stack: DemoStack) -> dict[str, Any]:
    version = _deploy_new_version(stack)
    stack.kill("engine", signal.SIGTERM)
    (stack.data / "engine" / "bundles" / f"{version}.json").write_text('{"version": "')
    stack.restart("engine")
    status = stack.engine.get("/engine/status").json()
    health = httpx.get(f"{stack.config.engine_url}/engine/health", timeout=5).json()
    named = status.get("fallbackFrom") == version and any(
        "fallback" in r for r in health["reasons"]
    )
    if not named:
        raise AssertionError(f"fallback not reported: {status.get('fallbackFrom')}, {health}")
    return {"fallback_to": status["version"], "failed": version}


def slow_stream_clients(stack: DemoStack) -> dict[str, Any]:
    token = (stack.data / "iot" / "token").read_text().strip()
    socks = []
    for _ in range(10):  # clients that connect and never read
        s = socket.create_connection(("127.0.0.1", stack.config.iot_port))
        s.sendall(
            f"GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        socks.append(s)
    started = time.monotonic()
    stack.kill("iot-service", signal.SIGTERM)
    took = time.monotonic() - started
    for s in socks:
        s.close()
    stack.restart("iot-service")
    if took > 15:
        raise AssertionError(f"the IoT service took {took:.1f} s to stop with slow clients")
    return {"iot_shutdown_s": round(took, 2)}


def token_rotated(stack: DemoStack) -> None:
    path = stack.data / "iot" / "token"
    path.write_text(f"rotated-{time.time_ns()}\n")
    stack.kill("iot-service", signal.SIGTERM)
    stack.restart("iot-service")
    stack.refresh_tokens()


def concurrent_project_edits(stack: DemoStack) -> dict[str, Any]:
    project = _project(stack)
    answers: list[int] = []

    def save() -> None:
        response = stack.designer.http.put(
            f"/api/projects/{project['id']}",
            json={"revision": project["revision"], "content": project["content"]},
        )
        answers.append(response.status_code)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    after = _project(stack)
    if sorted(answers) != [200, 409, 409, 409] or after["revision"] != project["revision"] + 1:
        raise AssertionError(f"concurrent saves: {answers}, revision {after['revision']}")
    return {"answers": sorted(answers)}


def wall_clock_jump(_stack: DemoStack) -> None:
    raise Skipped(
        "stepping the wall clock would move it for every process on this shared machine; "
        "test_auth.py and test_store_lock.py step an injected wall clock instead"
    )


FAULTS: list[tuple[str, Callable[[DemoStack], Any]]] = [
    ("iot_sigkill", iot_sigkill),
    ("engine_sigkill_mid_deploy", engine_sigkill_mid_deploy),
    ("device_silent", device_silent),
    ("device_reboot", device_reboot),
    ("runtime_db_locked", runtime_db_locked),
    ("state_dir_full", state_dir_full),
    ("corrupt_active_bundle", corrupt_active_bundle),
    ("slow_stream_clients", slow_stream_clients),
    ("token_rotated", token_rotated),
    ("concurrent_project_edits", concurrent_project_edits),
    ("wall_clock_jump", wall_clock_jump),
]


def recover(stack: DemoStack) -> tuple[list[str], list[str]]:
    """Wait until healthy and every command is held; the mismatches left after the bound."""
    wait_for(stack.healthy, RECOVER_WITHIN_S, "every service healthy and the engine running")
    last: tuple[list[str], list[str]] = ([], [])

    def held() -> bool:
        nonlocal last
        last = stack.mismatched()
        return not last[0] and not last[1]

    with contextlib.suppress(TimeoutError):
        wait_for(held, RECOVER_WITHIN_S, "every command in its slot")
    return last


def run(only: list[str] | None) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="bms-faults-"))
    stack = DemoStack(data)
    report: dict[str, Any] = {"faults": 0, "survived": 0, "lost": 0, "stuck_overrides": 0,
                              "mismatched_commands": 0, "recovery_s": {}, "skipped": {},
                              "details": {}, "failures": {}}  # fmt: skip
    try:
        stack.start()
        recover(stack)
        commands = stack.commands()
        report["commanded_points"] = len(commands)
        report["held_commands"] = sum(v is not None for _, _, v in commands)
        for name, inject in FAULTS:
            if only and name not in only:
                continue
            before = stack.records()
            audit_before = _audit(stack)
            try:
                detail = inject(stack)
            except Skipped as why:
                report["skipped"][name] = str(why)
                continue
            except Exception as err:  # the fault itself misbehaved: count it as not survived
                report["faults"] += 1
                report["failures"][name] = f"{type(err).__name__}: {err}"
                recover(stack)
                continue
            report["faults"] += 1
            ended = time.monotonic()
            try:
                wrong, stuck = recover(stack)
            except TimeoutError as err:
                report["failures"][name] = str(err)
                continue
            report["recovery_s"][name] = round(time.monotonic() - ended, 2)
            after = stack.records()
            lost = [k for k in ("deployments", "projects") if after[k] < before[k]]
            if not _audit_kept(stack, audit_before):
                lost.append("audit")
            report["lost"] += len(lost)
            report["mismatched_commands"] += len(wrong)
            report["stuck_overrides"] += len(stuck)
            if detail:
                report["details"][name] = detail
            if wrong or stuck or lost:
                report["failures"][name] = {"mismatched": wrong, "stuck": stuck, "lost": lost}
            else:
                report["survived"] += 1
    finally:
        stack.close()
    report["data_dir"] = str(data)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--only", nargs="*", help="run only these faults")
    args = parser.parse_args()
    report = run(args.only)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"faults {report['faults']}  survived {report['survived']}  lost {report['lost']}  "
          f"stuck {report['stuck_overrides']}  mismatched {report['mismatched_commands']}")  # fmt: skip
    for name, seconds in report["recovery_s"].items():
        print(f"  {name:28s} recovered in {seconds:6.2f} s")
    for name, why in report["skipped"].items():
        print(f"  {name:28s} skipped: {why}")
    for name, why in report["failures"].items():
        print(f"  {name:28s} FAILED: {why}")


if __name__ == "__main__":
    main()
