"""Git-friendly export and import: a project as a zip of small, stable JSON files.

::

    project.json          format version, name, parameters, devices, flow order
    flows/<flow>.json     one flow's logic: the flow, its nodes, the edges into them, bindings
    layout/<flow>.json    canvas positions of that flow's nodes, apart from the logic

Keys are sorted, ids are the graph's own, and the zip entries carry a fixed
time stamp, so exporting the same project twice gives the same bytes and a
move on the canvas only changes a layout file.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bms_schemas import Edge, Flow, Graph, Node, Position
from bms_schemas.designer import EXPORT_FORMAT_VERSION, DeviceConfig, ProjectContent
from designer.errors import ImportFormatError

ModelT = TypeVar("ModelT", bound=BaseModel)

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 2000
"""Files in an archive: a project has two per flow and one more."""
MAX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024
"""All files together, uncompressed: a zip bomb is refused before anything is inflated."""
UNASSIGNED = "_unassigned"
"""The file for nodes whose flow does not exist (a project being edited may have them)."""


def _dumps(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True)


def export_files(name: str, content: ProjectContent) -> dict[str, bytes]:
    """The files of an export, by path."""
    graph = content.graph
    flow_ids = [f.id for f in graph.flows]
    by_flow: dict[str, list[Node]] = {fid: [] for fid in flow_ids}
    for node in graph.nodes:
        by_flow.setdefault(node.flow if node.flow in by_flow else UNASSIGNED, []).append(node)
    home = {n.id: (n.flow if n.flow in flow_ids else UNASSIGNED) for n in graph.nodes}
    edges: dict[str, list[Edge]] = {}
    for edge in graph.edges:
        edges.setdefault(home.get(edge.target, UNASSIGNED), []).append(edge)
        by_flow.setdefault(home.get(edge.target, UNASSIGNED), [])
    flows = {f.id: f for f in graph.flows}
    files: dict[str, bytes] = {}
    for fid, nodes in by_flow.items():
        ids = {n.id for n in nodes}
        files[f"flows/{fid}.json"] = _dumps(
            {
                "flow": _dump(flows[fid]) if fid in flows else None,
                "nodes": [_dump(n) for n in nodes],
                "edges": [_dump(e) for e in edges.get(fid, [])],
                "bindings": {k: v for k, v in content.bindings.items() if k in ids},
            }
        )
        files[f"layout/{fid}.json"] = _dumps(
            {nid: _dump(graph.layout[nid]) for nid in sorted(ids) if nid in graph.layout}
        )
    node_ids = set(home)
    devices = content.devices.model_copy(update={"iot_token": None})
    files["project.json"] = _dumps(
        {
            "formatVersion": EXPORT_FORMAT_VERSION,
            "name": name,
            "flows": flow_ids,
            "parameters": content.parameters,
            "devices": _dump(devices),
            "bindings": {k: v for k, v in content.bindings.items() if k not in node_ids},
        }
    )
    return files


def export_zip(name: str, content: ProjectContent) -> bytes:
    """The export as zip bytes: fixed entry order and time stamps, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(export_files(name, content).items()):
            info = zipfile.ZipInfo(path, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def _load(archive: zipfile.ZipFile, path: str) -> Any:
    try:
        return json.loads(archive.read(path))
    except KeyError:
        raise ImportFormatError(f"the archive has no {path}", field=path) from None
    except ValueError as err:
        raise ImportFormatError(f"{path} is not valid JSON: {err}", field=path) from err


def import_zip(data: bytes) -> tuple[str, ProjectContent]:
    """The name and content of an exported project; :class:`ImportFormatError` if unreadable."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ImportFormatError("the archive is larger than 20 MiB", field="body")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise ImportFormatError(f"not a zip archive: {err}", field="body") from err
    with archive:
        _check_sizes(archive)
        project = _load(archive, "project.json")
        if not isinstance(project, dict):
            raise ImportFormatError("project.json is not a JSON object", field="project.json")
        version = project.get("formatVersion")
        if version != EXPORT_FORMAT_VERSION:
            raise ImportFormatError(
                f"export format version {version!r} is not supported: this Designer reads "
                f"version {EXPORT_FORMAT_VERSION}",
                field="project.json.formatVersion",
            )
        names = sorted(
            n[len("flows/") : -len(".json")]
            for n in archive.namelist()
            if n.startswith("flows/") and n.endswith(".json")
        )
        order = list(project.get("flows") or [])
        ordered = [f for f in order if f in names] + [f for f in names if f not in order]
        return _content(archive, project, ordered)


def _check_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse an archive with too many entries or too much to inflate, from its directory.

    zipfile never returns more than an entry's declared ``file_size``, so the sizes checked
    here bound what reading can produce.
    """
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ImportFormatError(
            f"the archive has {len(entries)} files; a project export has at most {MAX_ENTRIES}",
            field="body",
        )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportFormatError(
            f"the archive would expand to {total / 1024 / 1024:.0f} MiB; at most "
            f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MiB is accepted",
            field="body",
        )


def _invalid(err: ValidationError, where: str) -> ImportFormatError:
    first = err.errors()[0]
    field = ".".join([where, *(str(p) for p in first["loc"])])
    return ImportFormatError(
        f"the archive does not hold a valid project: {field}: {first['msg']}", field=field
    )


def _each(model: type[ModelT], items: Any, where: str) -> list[ModelT]:
    if not isinstance(items, list):
        raise ImportFormatError(f"{where} is not a list", field=where)
    found = []
    for index, item in enumerate(items):
        try:
            found.append(model.model_validate(item))
        except ValidationError as err:
            raise _invalid(err, f"{where}.{index}") from err
    return found


def _content(
    archive: zipfile.ZipFile, project: dict[str, Any], flow_files: list[str]
) -> tuple[str, ProjectContent]:
    flows: list[Flow] = []
    nodes: list[Node] = []
    edges: list[Edge] = []
    layout: dict[str, Position] = {}
    bindings: dict[str, str] = dict(project.get("bindings") or {})
    for fid in flow_files:
        path = f"flows/{fid}.json"
        logic = _load(archive, path)
        if not isinstance(logic, dict):
            raise ImportFormatError(f"{path} is not a JSON object", field=path)
        if logic.get("flow") is not None:
            flows += _each(Flow, [logic["flow"]], f"{path}.flow")
        nodes += _each(Node, logic.get("nodes", []), f"{path}.nodes")
        edges += _each(Edge, logic.get("edges", []), f"{path}.edges")
        bindings |= dict(logic.get("bindings") or {})
        if f"layout/{fid}.json" in archive.namelist():
            positions = _load(archive, f"layout/{fid}.json")
            if not isinstance(positions, dict):
                raise ImportFormatError(f"layout/{fid}.json is not a JSON object", field=path)
            for node_id, position in sorted(positions.items()):
                layout[node_id] = _each(Position, [position], f"layout/{fid}.json.{node_id}")[0]
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ImportFormatError("project.json has no name", field="project.json.name")
    try:
        content = ProjectContent(
            graph=Graph(flows=tuple(flows), nodes=tuple(nodes), edges=tuple(edges), layout=layout),
            bindings=bindings,
            devices=DeviceConfig.model_validate(project.get("devices") or {}),
            parameters=dict(project.get("parameters") or {}),
        )
    except ValidationError as err:
        raise _invalid(err, "project.json") from err
    return name, content
