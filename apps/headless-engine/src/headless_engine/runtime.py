"""The engine runtime: the active bundle, its scheduler, its I/O, and its saved state.

Everything here runs on one asyncio loop. A tick is synchronous (snapshot the
cache, evaluate, hand commands to the adapter), so a deploy, a rollback or a
stop, which run between ticks, always take effect at a tick boundary.

The engine keeps one logical timeline for blocks (``tick.now``). It continues
across restarts: at boot it resumes from the saved value plus the wall-clock
time the engine was down, so a timer's deadline keeps its meaning.

Commands are kept true (see ``supervisor_engine.command_truth``): whenever the
engine starts running a bundle (boot, deploy, rollback, reload, start after a
stop) every point output's command is re-asserted after its flow's next tick,
in one batch; the adapter re-asserts on its side when the service, a device or
the token comes back. Slots held by a run that ended without relinquishing (a
crash) and that the running bundle no longer commands are let go at boot.
"""

from __future__ import annotations

import asyncio
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from bms_schemas import (
    Bundle,
    BundleDefaults,
    BundleProject,
    Flow,
    PointValue,
    Quality,
    semver_key,
)
from bms_schemas.alarms import AlarmRecord
from bms_schemas.engine import (
    CommandTruthStatus,
    DeploymentRecord,
    DeployResponse,
    EngineHealth,
    EngineStatus,
    FlowStatus,
    IotLinkStatus,
    RunState,
    TrendLog,
    UnconfirmedCommandStatus,
)
from bms_schemas.engine_events import NoticeEvent, TickEvent
from headless_engine.alarms import AlarmBook, AlarmFile
from headless_engine.errors import (
    DeployGuardError,
    NoBundleError,
    StorageError,
    UnknownNodeError,
    VersionConflictError,
)
from headless_engine.events import EventHub
from headless_engine.store import ActivePointer, StateStore
from supervisor_engine import (
    BundleError,
    Clock,
    FlowTiming,
    PointWrite,
    Program,
    Registry,
    Role,
    Scheduler,
    SignatureError,
    TickCall,
    VerifyKey,
    compile_bundle,
    content_hash,
    parse_bundle,
    verify_document,
)
from supervisor_engine.adapter import IoAdapter
from supervisor_engine.blocks.io import PointOutputParams
from supervisor_engine.blocks.trends import TrendLogParams
from supervisor_engine.command_truth import held_commands

log = logging.getLogger("headless_engine")

LATENESS_SAMPLES = 1000
"""Recent tick start lateness kept per flow, for the percentiles in the status."""


def _percentiles(samples: deque[float] | None) -> tuple[float, float]:
    if not samples:
        return 0.0, 0.0
    if len(samples) == 1:
        return samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def with_states(entries: list[DeploymentRecord], active_hash: str | None) -> list[DeploymentRecord]:
    """The history, oldest first, each deploy or rollback with its real state.

    An activation stays 'active' until the next one: a deploy makes it 'superseded', a
    rollback 'rolled back'. The last activation is 'active' if it is what runs now.
    """
    out: list[DeploymentRecord] = []
    current: int | None = None
    for entry in entries:
        if entry.action in ("deploy", "rollback"):
            if entry.outcome == "refused":
                entry = entry.model_copy(update={"state": "refused"})
            elif entry.outcome == "active":
                if current is not None:
                    replaced = "rolled back" if entry.action == "rollback" else "superseded"
                    out[current] = out[current].model_copy(update={"state": replaced})
                entry = entry.model_copy(update={"state": "active"})
                current = len(out)
        out.append(entry)
    if current is not None and out[current].hash != active_hash:
        out[current] = out[current].model_copy(update={"state": "superseded"})
    return out


@dataclass
class Active:
    """The bundle in force: what of it the runtime reads, and its compiled program.

    Not the parsed bundle itself: its nodes and edges (about 1.5 KB per block, with their
    JSON strings) are in the program, compiled, and on disk as deployed.
    """

    version: str
    hash: str
    project: BundleProject | None
    flows: tuple[Flow, ...]
    defaults: BundleDefaults
    labels: Mapping[str, str]
    """Display names of the nodes that have one, by node id."""
    program: Program
    activated_at: datetime
    activated_by: str

    @classmethod
    def of(
        cls, version: str, hash_: str, bundle: Bundle, program: Program, at: datetime, by: str
    ) -> Active:
        labels = {n.id: n.label for n in bundle.graph.nodes if n.label}
        return cls(version, hash_, bundle.project, bundle.graph.flows, bundle.defaults, labels,
                   program, at, by)  # fmt: skip


def _relinquishes(params: object) -> bool:
    """Whether a point output gives its priority slot back when it stops commanding."""
    return not isinstance(params, PointOutputParams) or params.relinquish_on_disable


class EngineRuntime:
    """Deploys, runs, stops and persists flows."""

    def __init__(
        self,
        *,
        store: StateStore,
        adapter: IoAdapter,
        clock: Clock,
        registry: Registry,
        hub: EventHub,
        trusted_keys: Callable[[], list[VerifyKey]],
        allow_unsigned: bool = False,
        state_save_interval_s: float = 5.0,
        iot_url: str = "",
        tick_lead_s: float = 0.0,
        values_interval_s: float = 0.0,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.clock = clock
        self.registry = registry
        self.hub = hub
        self.trusted_keys = trusted_keys
        self.allow_unsigned = allow_unsigned
        self.state_save_interval_s = state_save_interval_s
        self.iot_url = iot_url
        self.values_interval_s = values_interval_s
        """Fewest seconds between two values events of a flow (its changes are gathered)."""
        self.active: Active | None = None
        self.running = False
        self.booted = False
        self.scheduler = Scheduler(
            clock, [], self._run_tick, on_last_run=self._on_last_run, lead_s=tick_lead_s
        )
        self._offset = 0.0
        self._last_runs: dict[str, str] = {}
        self._last_save = -float("inf")
        self._faults: dict[str, str] = {}
        self._triggers: dict[str, list[str]] = {}
        # What the deploy being recorded carries, for its history entry.
        self._deploy_note: str | None = None
        self._deploy_project: dict[str, Any] | None = None
        self._lateness: dict[str, deque[float]] = {}
        self._published: dict[str, tuple[Any, tuple[list[Any], list[int]]]] = {}
        """Per flow: (the flow, its outputs as last published), the base of the next delta."""
        self._values_due: dict[str, float] = {}
        """Per flow: when its next values event may be published."""
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="state-save")
        self._pending_save: asyncio.Future[None] | None = None
        self._reassert: dict[str, str] = {}
        """Flows whose commands are re-asserted after their next tick, and why."""
        self._reassert_batch: list[PointWrite] = []
        self._save_error: str | None = None
        """Why the last state save failed (None once one succeeds)."""
        self.fallback_from: tuple[str, str] | None = None
        """(version, why) when boot fell back from the active version to an earlier one."""
        self.alarms = AlarmBook(AlarmFile(store.root / "alarms.jsonl"), clock.now, hub.publish)

    # --- logging and history -----------------------------------------------------------------

    def _event(self, event: str, level: int = logging.INFO, **fields: Any) -> None:
        fields.setdefault("bundle_version", self.active.version if self.active else None)
        log.log(level, event, extra=fields)
        notice = NoticeEvent(event=event, **to_jsonable_python(fields))
        self.hub.publish("event", notice.model_dump(mode="json"))

    def _record(self, action: str, by: str, outcome: str, *, version: str | None = None,
                hash_: str | None = None, message: str | None = None) -> None:  # fmt: skip
        project = self._deploy_project or {}
        deploying = action in ("deploy", "rollback")
        entry = DeploymentRecord(
            at=self.clock.now(),
            action=action,
            version=version,
            hash=hash_,
            by=by,
            outcome=outcome,
            message=message,
            project_id=project.get("id") if deploying else None,
            project_name=project.get("name") if deploying else None,
            note=self._deploy_note if deploying else None,
        )
        try:
            self.store.record(entry)
        except OSError as err:  # a full disk must not turn an answer into a 500
            self._storage_failed("history", err)
            log.error("could not record %s in the history: %s", entry, err)

    def _storage_failed(self, what: str, err: OSError) -> None:
        self._save_error = f"{what}: {err.strerror or err}"

    # --- time ---------------------------------------------------------------------------------

    def logical_now(self) -> float:
        return self.clock.monotonic() + self._offset

    def _resume_timeline(self, saved: Mapping[str, Any] | None) -> None:
        if not saved or "timeline" not in saved or "wall" not in saved:
            self._offset = 0.0
            return
        down_s = max(
            0.0, (self.clock.now() - datetime.fromisoformat(saved["wall"])).total_seconds()
        )
        self._offset = float(saved["timeline"]) + down_s - self.clock.monotonic()

    # --- boot ---------------------------------------------------------------------------------

    def boot(self) -> None:
        """Load the last good bundle and its state; run it unless it was stopped."""
        self.store.clean_orphans()
        saved = self.store.load_state()
        self._resume_timeline(saved)
        pointer = self.store.active()
        if pointer is not None:
            # (version, project): a version is unique only within one project
            current = (pointer.version, pointer.project)
            candidates = [current] + [
                (e.version, e.project_id)
                for e in reversed(self.store.history())
                if e.outcome == "active" and e.version is not None
                and (e.version, e.project_id) != current
            ]  # fmt: skip
            for version, project_id in dict.fromkeys(candidates):
                try:
                    document = self.store.load_bundle(version, project_id)
                    bundle, program = self._load(document, verify=True)
                except Exception as err:  # a bundle that fails to load is never marked good
                    self._record(
                        "boot", "engine", "failed-to-load", version=version, message=str(err)
                    )
                    self._event(
                        "bundle-failed-to-load", logging.ERROR, version=version, error=str(err)
                    )
                    if (version, project_id) == current:
                        self.fallback_from = (version, str(err))
                    continue
                restored = self._restore_saved(program, saved)
                self._activate(version, content_hash(document), bundle, program, "boot")
                self._event("boot", version=version, restored_nodes=restored)
                self._relinquish_left_over(saved, program)
                if self.fallback_from is not None:
                    self._event(
                        "fallback", logging.ERROR, version=version,
                        failed_version=self.fallback_from[0], error=self.fallback_from[1],
                    )  # fmt: skip
                if (pointer.running and (version, project_id) == current) or (
                    (version, project_id) != current
                ):
                    self.start("boot", reason=self._boot_reason())
                break
        self.booted = True

    def _boot_reason(self) -> str:
        if self.fallback_from is not None:
            return f"engine start on fallback (version {self.fallback_from[0]} failed to load)"
        return "engine start"

    def _relinquish_left_over(self, saved: Mapping[str, Any] | None, program: Program) -> None:
        """Let go of slots the last run held (it may have crashed) that this bundle does not."""
        held = (saved or {}).get("held") or []
        commanded = program.points_written
        writes = [
            PointWrite(str(point), None, int(priority), "engine", "left over")
            for point, priority in held
            if commanded.get(str(point)) != int(priority)
        ]
        if writes:
            self._event("relinquish-left-over", logging.WARNING, slots=len(writes))
            self.adapter.submit(writes)

    def _restore_saved(self, program: Program, saved: Mapping[str, Any] | None) -> int:
        if not saved:
            return 0
        restored = 0
        flows = saved.get("flows", {})
        for flow_id, flow in program.flows.items():
            entry = flows.get(flow_id, {})
            restored += len(flow.import_state(entry.get("state", {})))
            if entry.get("lastRun"):
                self._last_runs[flow_id] = entry["lastRun"]
        return restored

    # --- deploy -------------------------------------------------------------------------------

    def _load(self, document: Mapping[str, Any], *, verify: bool) -> tuple[Bundle, Program]:
        if not isinstance(document, Mapping):
            raise BundleError("the bundle must be a JSON object")
        if verify and (document.get("signature") is not None or not self.allow_unsigned):
            if document.get("signature") is None:
                raise SignatureError(
                    "bundle is not signed, and this engine accepts only signed bundles"
                )
            # read on every deploy: a key dropped into state_dir/trusted counts at once
            verify_document(document, self.trusted_keys())
        bundle = parse_bundle(document)
        return bundle, compile_bundle(bundle, self.registry)

    def deploy(
        self,
        document: dict[str, Any],
        by: str,
        *,
        action: str = "deploy",
        allow_other_project: bool = False,
        allow_lower_version: bool = False,
        note: str | None = None,
    ) -> DeployResponse:
        """Verify, validate, persist and activate a bundle; the active one stays on any error.

        A deploy of another project's bundle than the active one, or of a lower version of
        the same project, is refused unless the request allows it explicitly (a rollback
        goes back on purpose and is not asked).
        """
        version = str(document.get("version")) if isinstance(document, Mapping) else None
        project = document.get("project") if isinstance(document, Mapping) else None
        self._deploy_note = note
        self._deploy_project = project if isinstance(project, dict) else None
        try:
            bundle, program = self._load(document, verify=True)
            if action == "deploy":
                self._guard(bundle, allow_other_project, allow_lower_version)
            elif action == "rollback":  # back on purpose: a lower version, but not another project
                self._guard(bundle, allow_other_project, True)
            hash_ = content_hash(document)
            project_id = bundle.project.id if bundle.project else None
            if self.store.has_bundle(bundle.version, project_id):
                stored = content_hash(self.store.load_bundle(bundle.version, project_id))
                if stored != hash_:
                    of = f" of project {bundle.project.name!r}" if bundle.project else ""
                    raise VersionConflictError(
                        f"version {bundle.version}{of} was deployed before with other content "
                        f"({stored}); give this bundle a new version"
                    )
        except (
            BundleError,
            SignatureError,
            VersionConflictError,
            DeployGuardError,
            ValueError,
        ) as err:
            self._record(action, by, "refused", version=version, message=str(err))
            self._event("deploy-refused", logging.WARNING, version=version, by=by, error=str(err))
            raise
        try:  # stored before anything changes: a full disk refuses the deploy, nothing else
            self.store.save_bundle(bundle.version, document, project_id)
        except OSError as err:
            self._storage_failed("bundle store", err)
            message = f"cannot store bundle {bundle.version}: {err.strerror or err}"
            self._record(action, by, "refused", version=version, message=message)
            self._event("deploy-refused", logging.ERROR, version=version, by=by, error=message)
            raise StorageError(message) from err
        return self._switch(document, bundle, program, hash_, by, action)

    def _guard(self, bundle: Bundle, other_project: bool, lower_version: bool) -> None:
        active = self.active
        if active is None:
            return
        old, new = active.project, bundle.project
        if old is not None and new is not None and old.id != new.id:
            if not other_project:
                raise DeployGuardError(
                    f"the engine runs project {old.name!r} version {active.version}; this "
                    f"bundle is project {new.name!r} version {bundle.version} and would replace "
                    "that whole program. Confirm with allowOtherProject to deploy it.",
                    "other_project",
                )
            return
        if semver_key(bundle.version) < semver_key(active.version) and not lower_version:
            raise DeployGuardError(
                f"version {bundle.version} is lower than the active {active.version}; confirm "
                "with allowLowerVersion, or roll back to it",
                "lower_version",
            )

    def _switch(self, document: dict[str, Any], bundle: Bundle, program: Program, hash_: str,
                by: str, action: str) -> DeployResponse:  # fmt: skip
        restored = 0
        old = self.active
        if old is not None:
            saved: dict[str, Any] = {}
            for flow in old.program.flows.values():
                saved.update(flow.export_state())
            for flow in program.flows.values():
                restored += len(flow.import_state(saved))
            self._relinquish_removed(old.program, program)
        self._activate(bundle.version, hash_, bundle, program, by)
        self.fallback_from = None  # what runs now was chosen, not fallen back to
        was_running = self.running or old is None
        self.running = False
        if was_running:
            self.start(by, record=False, reason=f"{action} of {bundle.version}")
        self._set_active(ActivePointer(bundle.version, hash_, self.running, self._project_id()))
        self._record(action, by, "active", version=bundle.version, hash_=hash_)
        self._event(action, version=bundle.version, hash=hash_, by=by, restored_nodes=restored)
        self._save_state_soon(force=True)
        return DeployResponse(
            version=bundle.version, hash=hash_, status=self.state, restored_nodes=restored
        )

    def _activate(
        self, version: str, hash_: str, bundle: Bundle, program: Program, by: str
    ) -> None:
        self.active = Active.of(version, hash_, bundle, program, self.clock.now(), by)
        self.adapter.set_points(program.points_read)
        self.adapter.set_constraints(bundle.constraints)
        self.adapter.set_command_refresh(bundle.defaults.command_refresh_s)
        self._triggers = self._trigger_map(bundle, program)
        self.alarms.bind(bundle, program, by)

    def _trigger_map(self, bundle: Bundle, program: Program) -> dict[str, list[str]]:
        by_point: dict[str, list[str]] = {}
        for flow in bundle.graph.flows:
            evaluator = program.flows[flow.id]
            for node in evaluator.nodes:
                if node.node_id in flow.trigger_on_change:
                    by_point.setdefault(node.bound.key, []).append(flow.id)
        return by_point

    def value_changed(self, point: str) -> None:
        """Called by the adapter for every new value: runs flows that trigger on it."""
        if self.running:
            for flow_id in self._triggers.get(point, ()):
                self.scheduler.request_run(flow_id)

    def _relinquish_removed(self, old: Program, new: Program) -> None:
        kept = new.points_written
        writes = [
            PointWrite(node.bound.key, None, node.bound.priority, node.node_id, "undeployed")
            for flow in old.flows.values()
            for node in flow.nodes
            if node.block.role is Role.POINT_OUTPUT
            and _relinquishes(node.params)
            and kept.get(node.bound.key) != node.bound.priority
        ]
        self.adapter.submit(writes)

    def _relinquish_all(self, reason: str) -> None:
        if self.active is None:
            return
        self.adapter.submit(
            PointWrite(node.bound.key, None, node.bound.priority, node.node_id, reason)
            for flow in self.active.program.flows.values()
            for node in flow.nodes
            if node.block.role is Role.POINT_OUTPUT and _relinquishes(node.params)
        )

    def rollback(
        self, version: str, by: str, *, project_id: str | None = None,
        allow_other_project: bool = False,
    ) -> DeployResponse:  # fmt: skip
        """Make an earlier version active again (it is verified and validated as on deploy).

        The version is the named project's, else the active project's if it ran that version,
        else the project that ran it last here. Going back to another project's version than
        the active one needs ``allow_other_project``, as a deploy does.
        """
        if project_id is None:
            project_id = self._rollback_project(version)
        document = self.store.load_bundle(version, project_id)
        return self.deploy(document, by, action="rollback", allow_other_project=allow_other_project)

    def _project_id(self) -> str | None:
        project = self.active.project if self.active else None
        return project.id if project else None

    def _rollback_project(self, version: str) -> str | None:
        active = self._project_id()
        if self.store.has_bundle(version, active):
            return active
        for entry in reversed(self.store.history()):
            if entry.outcome == "active" and entry.version == version:
                return entry.project_id
        return active  # load_bundle then says no such version was deployed here

    def reload(self, by: str) -> DeployResponse:
        """Load the active bundle again from disk, keeping state."""
        if self.active is None:
            raise NoBundleError("no bundle is active; deploy one first")
        document = self.store.load_bundle(self.active.version, self._project_id())
        return self.deploy(document, by, action="reload")

    # --- run state ----------------------------------------------------------------------------

    @property
    def state(self) -> RunState:
        if self.active is None:
            return RunState.IDLE
        return RunState.RUNNING if self.running else RunState.STOPPED

    def start(self, by: str, *, record: bool = True, reason: str | None = None) -> RunState:
        if self.active is None:
            raise NoBundleError("no bundle is active; deploy one first")
        if not self.running:
            # the device side may have lost our commands (our own relinquish at stop or
            # shutdown, a restart meanwhile): every flow re-asserts after its next tick
            why = reason or f"start by {by}"
            self._reassert = {f.id: why for f in self.active.flows}
            flows = self.active.flows
            self.scheduler.set_flows(
                [
                    FlowTiming(f.id, f.schedule.period_ms / 1000, f.schedule.phase_ms / 1000)
                    for f in flows
                ]
            )
            self.running = True
            if record:
                self._set_active(
                    ActivePointer(self.active.version, self.active.hash, True, self._project_id())
                )
                self._record("start", by, "ok", version=self.active.version)
                self._event("start", by=by)
        return self.state

    def stop(self, by: str, *, record: bool = True, reason: str = "stopped") -> RunState:
        if self.active is None:
            raise NoBundleError("no bundle is active; deploy one first")
        if self.running:
            self.scheduler.set_flows([])
            self.running = False
            self._reassert = {}
            self._relinquish_all(reason)
            if record:
                self._set_active(
                    ActivePointer(self.active.version, self.active.hash, False, self._project_id())
                )
                self._record("stop", by, "ok", version=self.active.version)
                self._event("stop", by=by)
        return self.state

    def _set_active(self, pointer: ActivePointer) -> None:
        try:
            self.store.set_active(pointer)
        except OSError as err:  # runs on, from memory; health says the disk refuses
            self._storage_failed("active pointer", err)
            log.error("could not save the active pointer: %s", err)

    # --- command truth ------------------------------------------------------------------------

    def _reassert_after_tick(self, flow_id: str) -> None:
        """Collect a flow's commands once it has ticked; send every flow's as one batch."""
        reason = self._reassert.pop(flow_id, None)
        if reason is None or self.active is None:
            return
        flow = self.active.program.flows[flow_id]
        first = not self._reassert_batch
        self._reassert_batch.extend(held_commands([flow], reason))
        if first:
            # flows due together tick in one synchronous batch: send after all of them
            try:
                asyncio.get_running_loop().call_soon(self._send_reassert, reason)
            except RuntimeError:
                self._send_reassert(reason)

    def _send_reassert(self, reason: str) -> None:
        batch, self._reassert_batch = self._reassert_batch, []
        if self.running:
            self.adapter.reassert(batch, reason)

    def reassert_now(self, reason: str) -> int:
        """Re-assert every held command at once (the blocks' current state)."""
        if self.active is None or not self.running:
            return 0
        return self.adapter.reassert(
            held_commands(self.active.program.flows.values(), reason), reason
        )

    # --- ticks --------------------------------------------------------------------------------

    def _run_tick(self, call: TickCall) -> None:
        assert self.active is not None
        flow = self.active.program.flows[call.flow_id]
        began = time.perf_counter()
        if not call.triggered:
            samples = self._lateness.setdefault(call.flow_id, deque(maxlen=LATENESS_SAMPLES))
            samples.append(call.started - call.due)
        result = flow.tick(call.due + self._offset, call.wall, call.dt, self.adapter.snapshot())
        self.adapter.submit(result.writes)
        if self._reassert:
            self._reassert_after_tick(call.flow_id)
        self.alarms.observe(call.flow_id, flow)
        for node_id in result.faults.keys() - self._faults.keys():
            self._event("fault", logging.WARNING, node=node_id, error=result.faults[node_id])
        self._faults = {
            **{k: v for k, v in self._faults.items() if k not in flow.node_ids},
            **result.faults,
        }
        if self.hub.wants("tick"):
            tick = TickEvent(
                flow=call.flow_id,
                index=call.index,
                duration_ms=(time.perf_counter() - began) * 1000,
                lateness_ms=(call.started - call.due) * 1000,
                writes=len(result.writes),
                faults=dict(result.faults),
            )
            self.hub.publish("tick", tick.model_dump(mode="json"))
        if not self.hub.wants("values"):
            self._published.clear()  # nobody follows: the next follower starts from all
        elif call.started >= self._values_due.get(call.flow_id, -math.inf):
            # the changes since the last event, all of them: a flow that ticks faster than
            # a live view can show costs one event per interval, not one per tick
            self._values_due[call.flow_id] = call.started + self.values_interval_s
            self._publish_values(call.flow_id, flow)
        self._save_state_soon()

    def _publish_values(self, flow_id: str, flow: Any) -> None:
        """Publish the nodes whose outputs changed in this tick (all of them the first time).

        Every follower got the full values when it connected (:meth:`values_events`), so
        the changes are all it needs; a tick that changed nothing publishes nothing.
        """
        last = self._published.get(flow_id)
        since = last[1] if last is not None and last[0] is flow else None
        changed, now = flow.output_changes(since)
        self._published[flow_id] = (flow, now)
        if changed:
            self.hub.publish("values", {"flow": flow_id, "nodes": _values(changed)})

    def values_events(self) -> list[dict[str, Any]]:
        """A ``values`` event per flow with every node's outputs: what a new follower starts
        from, before the changes the ticks publish (take it as the follower connects)."""
        if self.active is None:
            return []
        events = []
        for flow_id, flow in self.active.program.flows.items():
            everything, now = flow.output_changes(None)
            # what every follower has now (the others took all changes up to here)
            self._published[flow_id] = (flow, now)
            events.append({"flow": flow_id, "nodes": _values(everything)})
        return events

    def _on_last_run(self, flow_id: str, wall: datetime) -> None:
        self._last_runs[flow_id] = wall.isoformat()

    # --- state persistence --------------------------------------------------------------------

    def snapshot_state(self) -> dict[str, Any]:
        """Block state, last runs and the logical time, as saved to state.json."""
        flows: dict[str, Any] = {}
        if self.active is not None:
            for flow_id, flow in self.active.program.flows.items():
                flows[flow_id] = {
                    "state": flow.export_state(),
                    "lastRun": self._last_runs.get(flow_id),
                }
        return {
            "version": self.active.version if self.active else None,
            "hash": self.active.hash if self.active else None,
            "timeline": self.logical_now(),
            "wall": self.clock.now().isoformat(),
            "flows": flows,
            # slots held on devices: a crash leaves them held; the next boot lets go of those
            # its bundle does not command
            "held": sorted(
                [w.point, w.priority] for w in self.adapter.ledger.active() if w.value is not None
            ),
        }

    def _save_state_soon(self, *, force: bool = False) -> None:
        now = self.clock.monotonic()
        if not force and now - self._last_save < self.state_save_interval_s:
            return
        if self._pending_save is not None and not self._pending_save.done() and not force:
            return  # the disk is slow: skip rather than queue
        self._last_save = now
        snapshot = self.snapshot_state()  # taken here, at a tick boundary
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._save(snapshot)
            return
        self._pending_save = loop.run_in_executor(self._saver, self._save, snapshot)

    def _save(self, snapshot: dict[str, Any]) -> None:
        """Save, and remember whether it worked: a failing save degrades health, never hides."""
        try:
            self.store.save_state(snapshot)
        except OSError as err:
            if self._save_error is None:
                log.error("saving the engine state failed: %s", err)
            self._storage_failed("state save", err)
            return
        self._save_error = None

    def save_state_now(self) -> None:
        self._save(self.snapshot_state())

    # --- main loop ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run the scheduler and the adapter until ``stop``; then save state and relinquish."""
        adapter_task = asyncio.create_task(self.adapter.run(stop), name="adapter")
        scheduler_task = asyncio.create_task(self.scheduler.run(stop), name="scheduler")
        try:
            await stop.wait()
        finally:
            await asyncio.gather(scheduler_task, adapter_task, return_exceptions=True)
            if self._pending_save is not None:
                await asyncio.gather(self._pending_save, return_exceptions=True)
            self.save_state_now()  # a failing save is logged: the relinquish below must happen
            if self.running:
                self._relinquish_all("shutdown")
                await self.adapter.flush()
            self._saver.shutdown(wait=True)
            self._event("shutdown")

    # --- reports ------------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        active = self.active
        flows: list[FlowStatus] = []
        if active is not None:
            now = self.clock.monotonic()
            timings = {t.flow_id for t in self.scheduler.flows}
            for flow in active.flows:
                if flow.id in timings:
                    s = self.scheduler.stats(flow.id)
                    figures = (s.ticks, s.overruns, s.missed, s.triggered_runs, s.errors,
                               s.last_duration_s, s.last_lateness_s, s.max_lateness_s,
                               max(0.0, s.next_due - now))  # fmt: skip
                else:
                    figures = (0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0)
                last_run = self._last_runs.get(flow.id)
                p50, p99 = _percentiles(self._lateness.get(flow.id))
                flows.append(
                    FlowStatus(
                        id=flow.id,
                        name=flow.name,
                        period_ms=flow.schedule.period_ms,
                        ticks=figures[0],
                        overruns=figures[1],
                        missed=figures[2],
                        triggered_runs=figures[3],
                        errors=figures[4],
                        last_duration_ms=figures[5] * 1000,
                        last_lateness_ms=figures[6] * 1000,
                        max_lateness_ms=figures[7] * 1000,
                        lateness_p50_ms=p50 * 1000,
                        lateness_p99_ms=p99 * 1000,
                        next_due_in_ms=figures[8] * 1000,
                        last_run=datetime.fromisoformat(last_run) if last_run else None,
                    )
                )
        a = self.adapter.status
        return EngineStatus(
            state=self.state,
            version=active.version if active else None,
            hash=active.hash if active else None,
            project_id=active.project.id if active and active.project else None,
            project_name=active.project.name if active and active.project else None,
            activated_at=active.activated_at if active else None,
            activated_by=active.activated_by if active else None,
            flows=tuple(flows),
            faults=dict(self._faults),
            iot=IotLinkStatus(
                url=self.iot_url,
                connected=a.connected,
                stream_connected=a.stream_connected,
                last_error=a.last_error,
                reconnects=a.reconnects,
                pending_writes=self.adapter.pending_writes,
                writes_sent=a.writes_sent,
                writes_refused=a.writes_refused,
                writes_failed=a.writes_failed,
                unauthorized=a.unauthorized,
                devices_offline=tuple(a.devices_offline),
            ),
            points_read=len(active.program.points_read) if active else 0,
            points_written=len(active.program.points_written) if active else 0,
            commands=self._command_status(),
            degraded_reasons=self.health().reasons,
            fallback_from=self.fallback_from[0] if self.fallback_from else None,
        )

    def _command_status(self) -> CommandTruthStatus:
        ledger = self.adapter.ledger
        a = self.adapter.status
        return CommandTruthStatus(
            held=ledger.held,
            confirmed=ledger.confirmed,
            mismatches=ledger.mismatches,
            failures=ledger.failures,
            reasserts=a.reasserts,
            last_reassert=a.last_reassert,
            refresh_s=ledger.refresh_s,
            unconfirmed=tuple(
                UnconfirmedCommandStatus(
                    point=u.point,
                    priority=u.priority,
                    value=_scalar(u.value),
                    failures=u.failures,
                    problem=u.problem,
                )
                for u in ledger.unconfirmed()
            ),
        )

    def health(self) -> EngineHealth:
        reasons: list[str] = []
        if not self.booted:
            return EngineHealth(live=True, ready=False, degraded=False, reasons=("booting",))
        if self.active is None:
            reasons.append("no bundle deployed")
        elif not self.running:
            reasons.append("stopped by command")
        link = self.adapter.status
        if self.active is not None and link.unauthorized:
            reasons.append(
                "unauthorized: the IoT service refuses the engine's token "
                "(rotated? the token file is read again on every refusal)"
            )
        elif self.active is not None and not link.connected:
            reasons.append(f"IoT service unreachable: {link.last_error or 'not yet connected'}")
        if self._faults:
            reasons.append(f"{len(self._faults)} faulted node(s)")
        if self.fallback_from is not None:
            version, why = self.fallback_from
            reasons.append(
                f"running fallback version {self.active.version if self.active else None}: "
                f"version {version} failed to load ({why})"
            )
        if self._save_error is not None:
            reasons.append(f"state saves failing: {self._save_error}")
        if self.active is not None and self.running:
            reasons.extend(self._io_reasons(self.active))
        return EngineHealth(
            live=True,
            ready=True,
            degraded=bool(reasons),
            reasons=tuple(reasons),
            version=self.active.version if self.active else None,
        )

    def _io_reasons(self, active: Active) -> list[str]:
        reasons: list[str] = []
        offline = self.adapter.status.devices_offline
        if offline:
            reasons.append(f"device(s) offline: {', '.join(map(str, offline))}")
        bad = _bad_inputs(
            active.program.points_read,
            self.adapter.snapshot(),
            self.clock.now(),
            active.defaults.stale_after_s,
        )
        if bad and self.adapter.status.connected:
            reasons.append(f"{len(bad)} input(s) stale or faulted: {_names(bad)}")
        unconfirmed = self.adapter.ledger.unconfirmed()
        if unconfirmed:
            named = [f"{u.point}@{u.priority}" for u in unconfirmed]
            reasons.append(f"{len(unconfirmed)} command(s) not confirmed: {_names(named)}")
        return reasons

    def ack_alarm(self, alarm_id: str, by: str, note: str) -> AlarmRecord:
        """Acknowledge an alarm; the block's state changes at once and is saved soon."""
        flows = self.active.program.flows if self.active else {}
        record = self.alarms.ack(alarm_id, by, note, flows)
        self._save_state_soon(force=True)
        return record

    def trend(self, flow_id: str, node_id: str) -> TrendLog:
        """A trend-log block's samples, oldest first."""
        flow = self.active.program.flows.get(flow_id) if self.active else None
        node = next((n for n in flow.nodes if n.node_id == node_id), None) if flow else None
        if flow is None or node is None or node.block.type != "alarm.trend-log":
            raise UnknownNodeError(f"no trend-log block {node_id!r} in flow {flow_id!r}")
        assert self.active is not None
        label = self.active.labels.get(node_id, node_id)
        state = flow.context(node_id).state
        return TrendLog(
            flow=flow_id,
            node=node_id,
            label=label,
            capacity=node.params.capacity if isinstance(node.params, TrendLogParams) else 1,
            samples=tuple((float(t), v, q) for t, v, q in state.samples()),
        )

    def history(
        self, limit: int | None = None, offset: int = 0
    ) -> tuple[list[DeploymentRecord], int]:
        """A page of the deployment history, newest first, and how many entries there are."""
        entries = with_states(self.store.history(), self.active.hash if self.active else None)
        newest_first = entries[::-1][offset : None if limit is None else offset + limit]
        return newest_first, len(entries)


def _scalar(value: Any) -> bool | int | float | str | None:
    return value if isinstance(value, bool | int | float | str) or value is None else str(value)


def _names(items: list[str], shown: int = 5) -> str:
    more = f" (+{len(items) - shown} more)" if len(items) > shown else ""
    return ", ".join(sorted(items)[:shown]) + more


def _bad_inputs(
    points: set[str], snapshot: Mapping[str, PointValue], now: datetime, stale_after_s: float
) -> list[str]:
    """Inputs with no value, a stale or fault quality, or older than the bundle's stale time."""
    bad = []
    for point in points:
        value = snapshot.get(point)
        if (
            value is None
            or value.quality in (Quality.STALE, Quality.FAULT)
            or (now - value.timestamp).total_seconds() > stale_after_s
        ):
            bad.append(point)
    return bad


_JSON_SCALARS = (bool, int, float, str, type(None))
_QUALITY_TEXT = {q: q.value for q in Quality}  # Quality.value is a property: slow per port


def _values(outputs: Mapping[str, Mapping[str, tuple[Any, Quality]]]) -> dict[str, Any]:
    """Outputs as a ``ValuesEvent``'s ``nodes`` in JSON form: node -> port -> [value, quality].

    Built directly (not through the model, which would validate every port again on every
    tick); ``test_values_events_match_the_contract`` checks that the model takes it.
    """
    return {
        node: {
            port: [
                value if type(value) in _JSON_SCALARS else to_jsonable_python(value),
                _QUALITY_TEXT[quality],
            ]
            for port, (value, quality) in ports.items()
        }
        for node, ports in outputs.items()
    }
