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
that holding (for the wall-clock jump, the slowest of its steps).

The wall-clock jump steps the clock of the IoT service, the engine and the
Designer only, never the machine's: they are restarted with Debian's
libfaketime preloaded (bench/wall_clock.py), their wall clock is stepped +2 h,
then -3 h, while they run, monotonic time untouched. After each step it also
checks that no value-log row was pruned and that a login during the step did
not delete another session (the bench keeps both for 1 h so that the steps
cross them).

Faults that cannot be injected on this machine (a tmpfs for a full disk needs
mount rights; libfaketime not installed) are reported as skipped, with the
reason, and not counted as survived.

    uv run python bench/faults.py            # a table
    uv run python bench/faults.py --json     # {"faults": N, "survived": N, "lost": 0, ...}
    uv run python bench/faults.py --only wall_clock_jump --network 127.20 --port-base 42000
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
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from demo_stack import DemoStack, wait_for
from wall_clock import SteppableClock, find_library

from bms_stack.demo import DesignerClient, admin_password

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
    projects = stack.designer.json("GET", "/api/projects")["projects"]
    summary = next(p for p in projects if p["name"] == "Demo building")
    return dict(stack.designer.json("GET", f"/api/projects/{summary['id']}"))


def _deploy_new_version(stack: DemoStack) -> str:
    project = _project(stack)
    bundle = stack.designer.json("POST", f"/api/projects/{project['id']}/bundles", json={})
    stack.designer.json(
        "POST", f"/api/projects/{project['id']}/deployments", json={"version": bundle["version"]}
    )
    return str(bundle["version"])


# --- the faults -------------------------------------------------------------------------------


def iot_sigkill(stack: DemoStack) -> None:
    stack.kill("iot-service")
    stack.restart("iot-service")


def engine_sigkill_mid_deploy(stack: DemoStack) -> None:
    project = _project(stack)
    bundle = stack.designer.json("POST", f"/api/projects/{project['id']}/bundles", json={})
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
        bundle = stack.designer.json("POST", f"/api/projects/{project['id']}/bundles", json={})
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
        commands = wait_for(
            lambda: [c for c in stack.commands() if c[2] is not None],
            RECOVER_WITHIN_S, "the engine's commands on the full disk",
        )  # fmt: skip
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


SESSION_HOURS = 1.0
"""The bench's Designer sessions and value log are kept short (1 h), so that the clock steps
below cross them: with the default 12 h / 24 h a +2 h step could not show a session deleted
by a login, or value-log rows pruned, even where the code would do it."""
VALUE_LOG_RETENTION_S = 3600.0
CLOCK_STEPS_S = (("+2h", 2 * 3600.0), ("-3h", -3 * 3600.0))
SPARE = "2101/analog-output,2/present-value"  # what runtime_db_locked writes, nothing else


def _value_log(stack: DemoStack) -> tuple[int, int]:
    db = sqlite3.connect(f"file:{stack.data / 'iot' / 'runtime.db'}?mode=ro", uri=True, timeout=30)
    try:
        rows, top = db.execute("SELECT count(*), coalesce(max(id), 0) FROM value_log").fetchone()
        return int(rows), int(top)
    finally:
        db.close()


def _value_log_kept(stack: DemoStack, before: tuple[int, int]) -> int:
    """How many value-log rows that existed ``before`` are gone."""
    db = sqlite3.connect(f"file:{stack.data / 'iot' / 'runtime.db'}?mode=ro", uri=True, timeout=30)
    try:
        (kept,) = db.execute(
            "SELECT count(*) FROM value_log WHERE id <= ?", (before[1],)
        ).fetchone()
    finally:
        db.close()
    return before[0] - int(kept)


def _skew(stamp: str | None) -> float:
    """How far a service's wall time stamp is from the real clock, in seconds."""
    if not stamp:
        return float("nan")
    return datetime.fromisoformat(stamp).timestamp() - time.time()


def _statements(stack: DemoStack, count: int) -> None:
    """``count`` audited writes to the spare slot: the IoT service prunes its value log every
    500 statements, so a prune runs while the clock is stepped."""
    for i in range(count // 2):
        for value in (float(i % 50), None):
            stack.iot.post(
                "/points/write",
                json={"writes": [{"point": SPARE, "value": value, "priority": 14}]},
            ).raise_for_status()


def _clock_step(stack: DemoStack, clock: SteppableClock, name: str, by_s: float,
                other: DesignerClient, audit_before: tuple[int, int],
                log_before: tuple[int, int], records: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    clock.step(by_s)
    started = time.monotonic()
    # a login while the clock is stepped: it must not delete the other session
    during = DesignerClient(
        stack.config.designer_url, "admin", admin_password(stack.data, "fault-bench-admin")
    )
    try:
        session = during.json("GET", "/api/auth/session")
        login_skew = _skew(session["expiresAt"]) - SESSION_HOURS * 3600
        wrong, stuck = recover(stack)
        took = time.monotonic() - started
        _statements(stack, 600)
        audit_at = stack.iot.get("/writes", params={"limit": 1}).json()["entries"][0]["at"]
        flows = stack.engine.get("/engine/status").json()["flows"]
        skews = {
            "designer": login_skew,
            "iot-service": _skew(audit_at),
            "engine": _skew(max(f["lastRun"] for f in flows if f.get("lastRun"))),
        }
        missed = {k: round(v) for k, v in skews.items() if not abs(v - clock.offset_s) < 120}
        if missed:
            raise AssertionError(f"{name}: the wall clock did not move for {missed} "
                                 f"(offset {clock.offset_s:+.0f} s)")  # fmt: skip
        projects = during.json("GET", "/api/projects")["projects"]
        deployments = stack.engine.get("/engine/deployments", params={"limit": 1000}).json()
        lost = []
        if len(projects) < records["projects"]:
            lost.append("projects")
        if int(deployments.get("total") or len(deployments["entries"])) < records["deployments"]:
            lost.append("deployments")
        if not _audit_kept(stack, audit_before):
            lost.append("audit")
        pruned = _value_log_kept(stack, log_before)
        if pruned:
            lost.append(f"value_log ({pruned} rows)")
        # the other session: expired by the wall clock while it runs 2 h ahead (1 h sessions),
        # valid again once it is back, unless the login above deleted it
        other_answer = other.http.get("/api/auth/session").status_code
        if clock.offset_s <= 0 and other_answer != 200:
            lost.append(f"the other session (GET /api/auth/session answers {other_answer})")
    finally:
        during.close()
    return {
        "offset_s": clock.offset_s, "recovery_s": round(took, 2),
        "skew_s": {k: round(v) for k, v in skews.items()},
        "other_session": other_answer, "mismatched": wrong, "stuck": stuck, "lost": lost,
    }  # fmt: skip


def wall_clock_jump(stack: DemoStack) -> dict[str, Any]:
    """The stack's wall clock stepped +2 h then -3 h while it runs (libfaketime, see
    wall_clock.py); after each step: recovered, commands held, nothing lost."""
    library = find_library()
    if library is None:
        raise Skipped("libfaketime is not installed (apt-get install faketime): the wall clock "
                      "cannot be stepped for the stack alone; test_auth.py and "
                      "test_store_lock.py step an injected wall clock instead")  # fmt: skip
    clock = SteppableClock(library, stack.data / "faketime.rc")
    services = ("iot-service", "engine", "designer")
    plain = {name: stack.stack.running[name].spec.env for name in services}
    # Python 3.11's time.sleep fails (EINVAL) under libfaketime 0.9.10 with an unfaked
    # monotonic clock (wolfcw/libfaketime#426), and the IoT service sleeps between retries
    # of a locked runtime.db: the preload is for this fault only, not the whole run.
    for name in services:
        stack.kill(name, signal.SIGTERM)
        stack.restart(name, plain[name] | clock.env())
    other = DesignerClient(
        stack.config.designer_url, "admin", admin_password(stack.data, "fault-bench-admin")
    )
    steps: dict[str, Any] = {}
    try:
        wait_for(stack.healthy, RECOVER_WITHIN_S, "the stack running under libfaketime")
        recover(stack)
        records = stack.records()
        audit_before, log_before = _audit(stack), _value_log(stack)
        steps["value_log_rows_before"] = log_before[0]
        for name, by_s in CLOCK_STEPS_S:
            steps[name] = _clock_step(stack, clock, name, by_s, other, audit_before, log_before,
                                      records)  # fmt: skip
    finally:
        other.close()
        clock.set_offset(0)
        for name in services:
            stack.kill(name, signal.SIGTERM)
            stack.restart(name, plain[name])
    steps["recovery_s"] = max(s["recovery_s"] for n, s in steps.items() if isinstance(s, dict))
    for key in ("mismatched", "stuck", "lost"):
        steps[key] = [f"{n}: {e}" for n, s in steps.items() if isinstance(s, dict)
                      for e in s.get(key, [])]  # fmt: skip
    return steps


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


def run(only: list[str] | None, network: str = "127.11", port_base: int = 41100) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="bms-faults-"))
    stack = DemoStack(
        data, offset=port_base - 41100, network=network,
        # the spare slot is written 600 times per clock step (a value-log prune runs every
        # 500 statements): its per-point rate limit is raised; one token per point is all
        # the engine's re-asserts ever take
        settings={"designer": {"session_hours": SESSION_HOURS},
                  "iot": {"value_log_retention_s": VALUE_LOG_RETENTION_S,
                          "rate_limit_per_s": 500.0, "rate_limit_burst": 500}},
    )  # fmt: skip
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
            recovered = round(time.monotonic() - ended, 2)
            if isinstance(detail, dict):  # a fault of several steps reports its own
                recovered = max(recovered, detail.pop("recovery_s", 0.0))
                wrong = [*detail.pop("mismatched", []), *wrong]
                stuck = [*detail.pop("stuck", []), *stuck]
            report["recovery_s"][name] = recovered
            lost = detail.pop("lost", []) if isinstance(detail, dict) else []
            try:
                after = stack.records()
            except RuntimeError as err:  # the bench's own Designer session is gone
                lost.append(f"the bench's Designer session ({str(err)[:120]})")
                stack.sign_in()
                after = stack.records()
            lost += [k for k in ("deployments", "projects") if after[k] < before[k]]
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
    parser.add_argument(
        "--network", default="127.11", help="first two octets of the simulated devices' addresses"
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=41100,
        help="IoT service port; engine +1, Designer +2, BACnet +8 and +9",
    )
    args = parser.parse_args()
    report = run(args.only, args.network, args.port_base)
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
