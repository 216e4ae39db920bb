"""Deploy and roll back through the engine's HTTP API, and keep the Designer's own history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Row, insert, select

from bms_schemas import Bundle, BundleProject
from bms_schemas.bundle import semver_key
from bms_schemas.designer import BundleDetail, BundleDiff, DeploymentEntry, DiffBase
from bms_schemas.engine import DeployResponse, EngineStatus
from designer.bundles import Bundles
from designer.diff import bundle_diff
from designer.errors import UpstreamError
from designer.models import deployments
from designer.timeutil import aware, now
from designer.upstream import Upstream, checked, parsed
from designer.versions import sort_key
from supervisor_engine import Registry


def entry(row: Row[Any]) -> DeploymentEntry:
    return DeploymentEntry(
        id=row.id,
        project_id=row.project_id,
        action=row.action,
        version=row.version,
        hash=row.hash,
        by=row.by,
        at=aware(row.at),
        outcome=row.outcome,
        engine_status=row.engine_status,
        engine_answer=row.engine_answer,
    )


def guard_rails(status: EngineStatus, new: Bundle) -> dict[str, Any]:
    """Both projects, and whether the engine will refuse the deploy without a confirmation.

    The same rules as the engine's: another project first; a lower version only within one.
    """
    active = (
        BundleProject(id=status.project_id, name=status.project_name or status.project_id)
        if status.project_id
        else None
    )
    other = active is not None and new.project is not None and active.id != new.project.id
    lower = (
        not other
        and status.version is not None
        and semver_key(new.version) < semver_key(status.version)
    )
    return {
        "project": new.project,
        "active_project": active,
        "other_project": other,
        "lower_version": lower,
    }


class Deployments:
    """Deploys, rollbacks and their history."""

    def __init__(
        self,
        database: Engine,
        bundles: Bundles,
        engine: Upstream,
        registry: Registry,
    ) -> None:
        self._db = database
        self._bundles = bundles
        self._engine = engine
        self._registry = registry

    async def deploy(
        self, project_id: str, version: str, who: str, *, allow_other_project: bool = False,
        allow_lower_version: bool = False, note: str | None = None,
    ) -> DeploymentEntry:  # fmt: skip
        """Send the stored, signed bundle to the engine and record what it answered.

        The engine refuses another project's bundle or a lower version unless allowed here.
        """
        bundle = self._bundles.get(project_id, version)
        body: dict[str, Any] = {
            "bundle": bundle.document, "allowOtherProject": allow_other_project,
            "allowLowerVersion": allow_lower_version,
        }  # fmt: skip
        if note:
            body["note"] = note
        return await self._act(
            project_id, "deploy", version, bundle.hash, who, "/engine/deploy", body
        )

    async def rollback(
        self, project_id: str, version: str, who: str, *, allow_other_project: bool = False
    ) -> DeploymentEntry:
        """Make an earlier version active again.

        The engine's own rollback keeps the version's deployment record there; an engine
        that never ran the version (another device, a reset state directory) answers 404,
        and then the stored, signed bundle is deployed instead. Both attempts are recorded.
        Either way the engine refuses it while another project runs, unless allowed here.
        """
        bundle = self._bundles.get(project_id, version)
        try:
            return await self._act(
                project_id, "rollback", version, bundle.hash, who, "/engine/rollback",
                {"version": version, "projectId": project_id,
                 "allowOtherProject": allow_other_project},
            )  # fmt: skip
        except UpstreamError as err:
            if err.status != 404:
                raise
        # A rollback goes back on purpose: the lower version is allowed, another project only
        # when the user confirmed it.
        return await self._act(
            project_id, "rollback", version, bundle.hash, who, "/engine/deploy",
            {"bundle": bundle.document, "allowLowerVersion": True,
             "allowOtherProject": allow_other_project},
        )  # fmt: skip

    async def _act(
        self,
        project_id: str,
        action: str,
        version: str,
        hash_: str,
        who: str,
        path: str,
        body: dict[str, Any],
    ) -> DeploymentEntry:
        status: int | None = None
        answer: Any = None
        failure: UpstreamError | None = None
        try:
            response = await self._engine.call("POST", path, json=body, caller=who)
            status = response.status_code
            answer = parsed("engine", DeployResponse, checked("engine", response)).model_dump(
                mode="json"
            )
            outcome = "active"
        except UpstreamError as err:
            failure = err
            outcome = "unreachable" if status is None else "refused"
            if isinstance(err.details, dict):
                answer = err.details.get("answer")
        with self._db.begin() as db:
            row = db.execute(
                insert(deployments)
                .values(
                    project_id=project_id, action=action, version=version, hash=hash_, by=who,
                    at=now(), outcome=outcome, engine_status=status, engine_answer=answer,
                )
                .returning(deployments)
            ).one()  # fmt: skip
            recorded = entry(row)
        if failure is not None:
            failure.details = {**(failure.details or {}), "deployment": recorded.id}
            raise failure
        return recorded

    def history(self, project_id: str) -> list[DeploymentEntry]:
        with self._db.connect() as db:
            rows = db.execute(
                select(deployments)
                .where(deployments.c.project_id == project_id)
                .order_by(deployments.c.id.desc())
            )
            return [entry(r) for r in rows]

    async def diff(self, project_id: str, version: str, against: str | None = None) -> BundleDiff:
        """Compare a stored bundle with ``against``, else with the one the engine runs now.

        When the engine does not answer, the comparison is with the project's previous bundle
        (by the same rules), and the answer says so (``base``, ``engineError``).
        """
        target = self._bundles.get(project_id, version)
        new = Bundle.model_validate(target.document)
        if against is not None:
            base = Bundle.model_validate(self._bundles.get(project_id, against).document)
            return BundleDiff(
                active_version=None, active_hash=None, active_known=False, version=version,
                base=DiffBase.CHOSEN, base_version=against, project=new.project,
                **bundle_diff(base, new, self._registry),
            )  # fmt: skip
        try:
            status = await self._engine.model(EngineStatus, "GET", "/engine/status")
        except UpstreamError as err:
            previous = self._previous(project_id, version)
            old = Bundle.model_validate(previous.document) if previous else None
            return BundleDiff(
                active_version=None, active_hash=None, active_known=False, version=version,
                base=DiffBase.PREVIOUS if previous else DiffBase.NONE,
                base_version=previous.version if previous else None, engine_error=err.message,
                project=new.project, **bundle_diff(old, new, self._registry),
            )  # fmt: skip
        active_hash = status.hash
        active_doc = self._bundles.by_hash(active_hash) if active_hash else None
        active = Bundle.model_validate(active_doc) if active_doc else None
        return BundleDiff(
            base=DiffBase.ACTIVE,
            base_version=status.version,
            active_version=status.version,
            active_hash=active_hash,
            active_known=active is not None or active_hash is None,
            version=version,
            **bundle_diff(active, new, self._registry),
            **guard_rails(status, new),
        )

    def _previous(self, project_id: str, version: str) -> BundleDetail | None:
        """The project's newest bundle older than ``version``."""
        older = [
            b for b in self._bundles.list(project_id) if sort_key(b.version) < sort_key(version)
        ]
        return self._bundles.get(project_id, older[0].version) if older else None
