"""Projects: create, list, save, rename, copy, soft delete and restore, with revisions.

Every save names the revision it was based on; a save based on anything but
the current revision is refused with :class:`StaleRevisionError`, so two
browser tabs never silently overwrite each other.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from bms_schemas.designer import Project, ProjectContent, ProjectSummary
from designer.errors import NotFoundError, StaleRevisionError
from designer.models import projects
from designer.timeutil import aware, now


def summary(row: Row[Any]) -> ProjectSummary:
    return ProjectSummary(
        id=row.id,
        name=row.name,
        revision=row.revision,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        deleted=row.deleted_at is not None,
    )


def to_project(row: Row[Any]) -> Project:
    return Project(**summary(row).model_dump(), content=ProjectContent.model_validate(row.content))


def content_json(content: ProjectContent) -> dict[str, object]:
    return content.model_dump(mode="json", by_alias=True)


class Projects:
    """The project table."""

    def __init__(self, database: Engine) -> None:
        self._db = database

    def create(self, name: str, content: ProjectContent) -> Project:
        at = now()
        project_id = str(uuid.uuid4())
        with self._db.begin() as db:
            db.execute(
                insert(projects).values(
                    id=project_id, name=name, revision=1, content=content_json(content),
                    created_at=at, updated_at=at, deleted_at=None,
                )
            )  # fmt: skip
            return to_project(self._row(db, project_id, False))

    def list(self, *, deleted: bool = False) -> list[ProjectSummary]:
        with self._db.connect() as db:
            query = select(projects).order_by(projects.c.name, projects.c.id)
            if deleted:
                query = query.where(projects.c.deleted_at.is_not(None))
            else:
                query = query.where(projects.c.deleted_at.is_(None))
            return [summary(r) for r in db.execute(query)]

    def get(self, project_id: str, *, include_deleted: bool = False) -> Project:
        with self._db.connect() as db:
            return to_project(self._row(db, project_id, include_deleted))

    def save(self, project_id: str, revision: int, content: ProjectContent) -> Project:
        with self._db.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            self._check(row, revision)
            return self._update(db, project_id, row.revision, content=content_json(content))

    def rename(self, project_id: str, revision: int, name: str) -> Project:
        with self._db.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            self._check(row, revision)
            return self._update(db, project_id, row.revision, name=name)

    def copy(self, project_id: str, name: str) -> Project:
        return self.create(name, self.get(project_id).content)

    def delete(self, project_id: str) -> Project:
        with self._db.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            return self._update(db, project_id, row.revision, deleted_at=now())

    def restore(self, project_id: str) -> Project:
        with self._db.begin() as db:
            row = self._row(db, project_id, True, lock=True)
            if row.deleted_at is None:
                return to_project(row)
            return self._update(db, project_id, row.revision, deleted_at=None)

    @staticmethod
    def _row(
        db: Connection, project_id: str, include_deleted: bool, lock: bool = False
    ) -> Row[Any]:
        query = select(projects).where(projects.c.id == project_id)
        if lock:
            query = query.with_for_update()
        row = db.execute(query).first()
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFoundError(f"no project {project_id!r}", details={"field": "projectId"})
        return row

    @staticmethod
    def _check(row: Row[Any], revision: int) -> None:
        if row.revision != revision:
            raise StaleRevisionError(revision, row.revision)

    @classmethod
    def _update(cls, db: Connection, project_id: str, based_on: int, **values: Any) -> Project:
        """Write ``values`` and the next revision, if the row is still at ``based_on``.

        The check is in the UPDATE itself (``WHERE revision = :based_on``), so a save that
        raced another between reading and writing loses at the database.
        """
        done = db.execute(
            update(projects)
            .where(projects.c.id == project_id, projects.c.revision == based_on)
            .values(**values, revision=based_on + 1, updated_at=now())
        )
        if done.rowcount != 1:
            raise StaleRevisionError(based_on, based_on + 1)
        return to_project(cls._row(db, project_id, True))
