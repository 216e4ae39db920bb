"""Signed bundles of a project: built, signed with the Designer's key, stored by version."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bms_schemas import Bundle, BundleProject, ValidationIssue
from bms_schemas.designer import BundleDetail, BundleInfo, Project, VersionBump
from designer.building import project_bundle
from designer.errors import (
    ConflictError,
    InvalidProjectError,
    NotFoundError,
    VersionExistsError,
)
from designer.models import bundles, deployments
from designer.timeutil import aware
from designer.versions import bump, sort_key
from supervisor_engine import (
    Registry,
    SigningKey,
    bundle_document,
    content_hash,
    key_id,
    pin_issues,
    sign_document,
)


def info(row: Row[Any]) -> BundleInfo:
    return BundleInfo(
        project_id=row.project_id,
        version=row.version,
        hash=row.hash,
        key_id=row.key_id,
        created_at=aware(row.created_at),
        created_by=row.created_by,
    )


def detail(row: Row[Any]) -> BundleDetail:
    return BundleDetail(**info(row).model_dump(), document=json.loads(row.document))


class Bundles:
    """The bundle table, and the key that signs what goes into it."""

    def __init__(self, database: Engine, key: SigningKey, registry: Registry) -> None:
        self._db = database
        self._key = key
        self._registry = registry

    def build(
        self, project: Project, *, version: str | None, part: VersionBump, created_by: str
    ) -> BundleDetail:
        """Validate, build, sign and store a bundle of the project's current content."""
        with self._db.begin() as db:
            existing = list(
                db.scalars(select(bundles.c.version).where(bundles.c.project_id == project.id))
            )
            chosen = version or bump(existing, part)
            if chosen in existing:
                raise VersionExistsError(
                    f"version {chosen} of this project exists already; give a new version",
                    details={"field": "version", "version": chosen},
                )
            bundle, issues = project_bundle(
                project.content, self._registry, version=chosen, created_by=created_by,
                project=BundleProject(id=project.id, name=project.name),
            )  # fmt: skip
            issues += self._pin_issues(db, project)
            if issues:
                raise InvalidProjectError(
                    f"the project does not validate: {issues[0].message}",
                    field="content.graph",
                    details={"issues": [i.model_dump(mode="json") for i in issues]},
                )
            document = sign_document(bundle_document(bundle), self._key)
            stored = insert(bundles).values(
                project_id=project.id,
                version=chosen,
                hash=content_hash(document),
                key_id=key_id(self._key.public_key()),
                document=json.dumps(document, sort_keys=True),
                created_at=bundle.created_at,
                created_by=created_by,
            )
            try:
                db.execute(stored)
            except IntegrityError:
                raise VersionExistsError(
                    f"version {chosen} was just built by someone else; build again",
                    details={"field": "version", "version": chosen},
                ) from None
            return detail(self._row(db, project.id, chosen))

    def _pin_issues(self, db: Connection, project: Project) -> list[ValidationIssue]:
        """Composite versions changed in place although a deployed bundle runs them.

        Any bundle the engine has accepted may be rolled back to, so each pins
        the composite versions it was flattened from.
        """
        deployed = select(deployments.c.version).where(
            deployments.c.project_id == project.id, deployments.c.outcome == "active"
        )
        rows = db.execute(
            select(bundles).where(
                bundles.c.project_id == project.id, bundles.c.version.in_(deployed)
            )
        )
        issues: list[ValidationIssue] = []
        for row in sorted(rows, key=lambda r: sort_key(r.version)):
            pins = Bundle.model_validate(json.loads(row.document)).composites
            for issue in pin_issues(
                project.content.graph, pins, pinned_by=f"deployed bundle {row.version}"
            ):
                if issue not in issues:
                    issues.append(issue)
        return issues

    def list(self, project_id: str) -> list[BundleInfo]:
        with self._db.connect() as db:
            rows = db.execute(select(bundles).where(bundles.c.project_id == project_id))
            return sorted((info(r) for r in rows), key=lambda b: sort_key(b.version), reverse=True)

    def get(self, project_id: str, version: str) -> BundleDetail:
        with self._db.connect() as db:
            return detail(self._row(db, project_id, version))

    @staticmethod
    def _row(db: Connection, project_id: str, version: str) -> Row[Any]:
        row = db.execute(
            select(bundles).where(bundles.c.project_id == project_id, bundles.c.version == version)
        ).first()
        if row is None:
            raise NotFoundError(
                f"project {project_id!r} has no bundle version {version!r}",
                details={"field": "version"},
            )
        return row

    def discard(self, project_id: str, version: str) -> None:
        """Delete a bundle never sent to an engine, so that its version number is free again.

        A deploy the user cancelled after seeing the diff must not use up a version. A bundle
        that any deploy or rollback attempt named stays: the history refers to it.
        """
        with self._db.begin() as db:
            row = self._row(db, project_id, version)
            sent = db.scalar(
                select(deployments.c.id)
                .where(deployments.c.project_id == project_id, deployments.c.version == version)
                .limit(1)
            )
            if sent is not None:
                raise ConflictError(
                    f"version {version} was sent to the engine; it stays in the history",
                    details={"field": "version", "version": version},
                )
            db.execute(delete(bundles).where(bundles.c.id == row.id))

    def by_hash(self, hash_: str) -> dict[str, Any] | None:
        """The stored document with this content hash, from any project."""
        with self._db.connect() as db:
            document = db.scalar(select(bundles.c.document).where(bundles.c.hash == hash_).limit(1))
            return None if document is None else dict(json.loads(document))
