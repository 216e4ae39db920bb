"""Semantic versions: ordering and bumping."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bms_schemas import SEMVER_PATTERN
from bms_schemas.designer import VersionBump

_SEMVER = re.compile(SEMVER_PATTERN)


def sort_key(version: str) -> tuple[int, int, int, int, str]:
    """Order by major, minor, patch; a pre-release sorts before its release."""
    match = _SEMVER.match(version)
    if match is None:
        return (-1, -1, -1, 0, version)
    pre = match[4] or ""
    return (int(match[1]), int(match[2]), int(match[3]), 0 if pre else 1, pre)


def bump(versions: Iterable[str], part: VersionBump) -> str:
    """The next version after the highest of ``versions`` (``0.1.0`` when there are none)."""
    existing = sorted(versions, key=sort_key)
    if not existing:
        return "0.1.0"
    major, minor, patch, _release, _pre = sort_key(existing[-1])
    if part is VersionBump.MAJOR:
        return f"{major + 1}.0.0"
    if part is VersionBump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
