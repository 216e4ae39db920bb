"""Bundles (build, sign, list, read), the signing key, deployments, diff and rollback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bms_schemas.designer import (
    BundleBuildRequest,
    BundleDetail,
    BundleDiff,
    BundleList,
    DeploymentEntry,
    DeploymentList,
    DeploymentRequest,
    SigningKeyInfo,
)
from designer.routes.deps import ERRORS, Svc, User
from supervisor_engine import key_id, public_key_pem

router = APIRouter(tags=["releases"], responses=ERRORS)


@router.get("/api/signing-key", response_model=SigningKeyInfo)
def signing_key(services: Svc, _user: User) -> SigningKeyInfo:
    """The public key engines must trust to run the Designer's bundles."""
    public = services.signing_key.public_key()
    return SigningKeyInfo(key_id=key_id(public), public_key_pem=public_key_pem(public).decode())


@router.post("/api/projects/{project_id}/bundles", response_model=BundleDetail, status_code=201)
def build_bundle(
    services: Svc, user: User, project_id: str, body: BundleBuildRequest
) -> BundleDetail:
    """Validate, build and sign a bundle of the project; the version is given or bumped."""
    project = services.projects.get(project_id)
    return services.bundles.build(
        project, version=body.version, part=body.bump, created_by=user.username
    )


@router.get("/api/projects/{project_id}/bundles", response_model=BundleList)
def list_bundles(services: Svc, _user: User, project_id: str) -> BundleList:
    """The project's bundles, newest version first."""
    services.projects.get(project_id)
    return BundleList(bundles=tuple(services.bundles.list(project_id)))


@router.get("/api/projects/{project_id}/bundles/{version}", response_model=BundleDetail)
def get_bundle(services: Svc, _user: User, project_id: str, version: str) -> BundleDetail:
    """One bundle with its signed document."""
    services.projects.get(project_id)
    return services.bundles.get(project_id, version)


@router.delete("/api/projects/{project_id}/bundles/{version}", status_code=204)
def discard_bundle(services: Svc, _user: User, project_id: str, version: str) -> None:
    """Delete a bundle no deploy has named (a cancelled deploy), freeing its version number.

    409 when a deploy or rollback attempt named it: the history keeps what it refers to.
    """
    services.projects.get(project_id)
    services.bundles.discard(project_id, version)


@router.get("/api/projects/{project_id}/bundles/{version}/diff", response_model=BundleDiff)
async def diff_bundle(
    services: Svc,
    _user: User,
    project_id: str,
    version: str,
    against: Annotated[
        str | None, Query(max_length=64, description="Compare with this stored version instead.")
    ] = None,
) -> BundleDiff:
    """What deploying this version changes compared with the engine's active bundle.

    Compared with ``against`` when given; with the previous bundle when the engine does
    not answer (``base`` says which).
    """
    services.projects.get(project_id)
    return await services.deployments.diff(project_id, version, against)


@router.post("/api/projects/{project_id}/deployments", response_model=DeploymentEntry)
async def deploy(
    services: Svc, user: User, project_id: str, body: DeploymentRequest
) -> DeploymentEntry:
    """Send a stored bundle to the engine; the attempt is recorded whatever the outcome."""
    services.projects.get(project_id)
    return await services.deployments.deploy(
        project_id, body.version, user.username,
        allow_other_project=bool(body.allow_other_project),
        allow_lower_version=bool(body.allow_lower_version), note=body.note,
    )  # fmt: skip


@router.post("/api/projects/{project_id}/rollback", response_model=DeploymentEntry)
async def rollback(
    services: Svc, user: User, project_id: str, body: DeploymentRequest
) -> DeploymentEntry:
    """Make an earlier version (deployed to the engine before) active again.

    While another project runs on the engine this is refused unless ``allowOtherProject``.
    """
    services.projects.get(project_id)
    return await services.deployments.rollback(
        project_id, body.version, user.username,
        allow_other_project=bool(body.allow_other_project),
    )  # fmt: skip


@router.get("/api/projects/{project_id}/deployments", response_model=DeploymentList)
def list_deployments(services: Svc, _user: User, project_id: str) -> DeploymentList:
    """The project's deploys and rollbacks, newest first."""
    services.projects.get(project_id)
    return DeploymentList(entries=tuple(services.deployments.history(project_id)))
