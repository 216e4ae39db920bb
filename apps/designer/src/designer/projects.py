"""Projects: create, list, save, rename, copy, soft delete and restore, with revisions.

Every save names the revision it was based on; a save based on anything but
the current revision is refused with :class:`StaleRevisionError`, so two
browser tabs never silently overwrite each other.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bms_schemas.designer import Project, ProjectContent, ProjectSummary
from designer.errors import NotFoundError, StaleRevisionError
from designer.models import ProjectRow
from designer.timeutil import aware, now


def summary(row: ProjectRow) -> ProjectSummary:
    return ProjectSummary(
        id=row.id,
        name=row.name,
        revision=row.revision,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        deleted=row.deleted_at is not None,
    )


def to_project(row: ProjectRow) -> Project:
    return Project(**summary(row).model_dump(), content=ProjectContent.model_validate(row.content))


def content_json(content: ProjectContent) -> dict[str, object]:
    return content.model_dump(mode="json", by_alias=True)


class Projects:
    """The project table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(self, name: str, content: ProjectContent) -> Project:
        at = now()
        row = ProjectRow(
            id=str(uuid.uuid4()),
            name=name,
            revision=1,
            content=content_json(content),
            created_at=at,
            updated_at=at,
            deleted_at=None,
        )
        with self._sessions.begin() as db:
            db.add(row)
        return to_project(row)

    def list(self, *, deleted: bool = False) -> list[ProjectSummary]:
        with self._sessions() as db:
            query = select(ProjectRow).order_by(ProjectRow.name, ProjectRow.id)
            if deleted:
                query = query.where(ProjectRow.deleted_at.is_not(None))
            else:
                query = query.where(ProjectRow.deleted_at.is_(None))
            return [summary(r) for r in db.scalars(query)]

    def get(self, project_id: str, *, include_deleted: bool = False) -> Project:
        with self._sessions() as db:
            return to_project(self._row(db, project_id, include_deleted))

    def save(self, project_id: str, revision: int, content: ProjectContent) -> Project:
        with self._sessions.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            self._check(row, revision)
            row.content = content_json(content)
            return self._bump(db, row)

    def rename(self, project_id: str, revision: int, name: str) -> Project:
        with self._sessions.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            self._check(row, revision)
            row.name = name
            return self._bump(db, row)

    def copy(self, project_id: str, name: str) -> Project:
        return self.create(name, self.get(project_id).content)

    def delete(self, project_id: str) -> Project:
        with self._sessions.begin() as db:
            row = self._row(db, project_id, False, lock=True)
            row.deleted_at = now()
            return self._bump(db, row)

    def restore(self, project_id: str) -> Project:
        with self._sessions.begin() as db:
            row = self._row(db, project_id, True, lock=True)
            if row.deleted_at is None:
                return to_project(row)
            row.deleted_at = None
            return self._bump(db, row)

    @staticmethod
    def _row(db: Session, project_id: str, include_deleted: bool, lock: bool = False) -> ProjectRow:
        query = select(ProjectRow).where(ProjectRow.id == project_id)
        if lock:
            query = query.with_for_update()
        row = db.scalar(query)
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFoundError(f"no project {project_id!r}", details={"field": "projectId"})
        return row

    @staticmethod
    def _check(row: ProjectRow, revision: int) -> None:
        if row.revision != revision:
            raise StaleRevisionError(revision, row.revision)

    @staticmethod
    def _bump(db: Session, row: ProjectRow) -> Project:
        based_on = row.revision
        row.updated_at = now()
        try:
            db.flush()  # the mapper's version check: UPDATE ... WHERE revision = based_on
        except StaleDataError:
            raise StaleRevisionError(based_on, based_on + 1) from None
        return to_project(row)
