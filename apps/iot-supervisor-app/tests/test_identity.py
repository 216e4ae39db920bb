"""Who wrote: the audit identity comes from the token, never from a header a client sets."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from iot_supervisor.app import create_app
from iot_supervisor.settings import Settings
from iot_supervisor.testing import ServiceHandle, SimHandle

AV = "1001/analog-value,2/present-value"


def _write(base_url: str, token: str, headers: dict[str, str], reason: str | None) -> None:
    body = {"writes": [{"point": AV, "value": 21.5, "priority": 12, "reason": reason}]}
    response = httpx.post(
        f"{base_url}/points/write",
        json=body,
        headers={"Authorization": f"Bearer {token}", **headers},
    )
    assert response.status_code == 200, response.text


def test_callers_are_principals_and_reasons_stay_apart(
    simulator: SimHandle, service_factory: object
) -> None:
    service: ServiceHandle = service_factory()  # type: ignore[operator]
    assert service.http.post("/discover", json={}).status_code == 200
    designer_token = service.settings.designer_token_path.read_text().strip()
    assert (service.settings.designer_token_path.stat().st_mode & 0o777) == 0o600
    main_token = service.token

    # The main token naming someone in X-Caller or X-On-Behalf-Of: still the engine.
    _write(service.base_url, main_token, {"X-Caller": "alice", "X-On-Behalf-Of": "bob"}, None)
    # The Designer's token naming its signed-in operator.
    _write(service.base_url, designer_token, {"X-On-Behalf-Of": "alice"}, "comfort complaint")
    # The Designer's token without an operator.
    _write(service.base_url, designer_token, {}, None)

    audit = service.http.get("/writes").json()["entries"]
    assert [(e["caller"], e["reason"]) for e in audit[:3]] == [
        ("designer", None),
        ("designer:alice", "comfort complaint"),
        ("engine", None),
    ]
    assert all(e["error"] is None for e in audit[:3])


@pytest.mark.parametrize(
    ("overrides", "served"),
    [({}, True), ({"api_docs": False}, False),
     ({"http_host": "0.0.0.0", "allow_lan": True}, False),
     ({"http_host": "0.0.0.0", "allow_lan": True, "api_docs": True}, True)],
)  # fmt: skip
def test_api_docs_are_on_for_loopback_and_can_be_turned_off(
    tmp_path: Path, overrides: dict[str, object], served: bool
) -> None:
    # No lifespan (and so no BACnet socket): only the documentation routes are asked for.
    settings = Settings(data_dir=tmp_path, token="t" * 20, **overrides)  # type: ignore[arg-type]
    client = TestClient(create_app(settings))
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (client.get(path).status_code == 200) is served, path
