"""Sample path parameters for every API route, so tests can call each one."""

from __future__ import annotations

UNKNOWN = "00000000-0000-0000-0000-000000000000"

ROUTE_SAMPLES: dict[str, dict[str, str]] = {
    name: {"project_id": UNKNOWN, "version": "9.9.9", "instance": "1"}
    for name in (
        "session", "logout", "list_projects", "create_project", "import_project",
        "get_project", "save_project", "rename_project", "copy_project", "delete_project",
        "restore_project", "export_project", "list_blocks", "validate", "simulate",
        "signing_key", "build_bundle", "list_bundles", "get_bundle", "diff_bundle", "deploy",
        "rollback", "list_deployments", "iot_devices", "iot_device_points", "iot_read",
        "iot_subscribe", "iot_stream", "iot_manual_write", "iot_manual_release",
        "iot_audit_log", "engine_status", "engine_deployments", "engine_stream",
    )
}  # fmt: skip
