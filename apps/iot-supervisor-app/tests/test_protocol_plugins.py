"""Protocol plugins are packages found through the ``bms.iot_protocols`` entry point group.

``plugins/`` holds a tiny protocol package with its distribution metadata, as pip
would install it; putting that folder on ``sys.path`` is all it takes for
``importlib.metadata`` to find its entry point. The service is the real one
over HTTP, its code unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from iot_supervisor.errors import ConfigError
from iot_supervisor.plugins import available
from iot_supervisor.testing import ServiceHandle

PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture
def echo_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(PLUGINS))


def test_an_installed_plugin_is_found_by_its_entry_point(echo_installed: None) -> None:
    found = available()
    assert found["echo"].value == "echo_protocol:create"
    assert "modbus" in found  # the service's own Modbus TCP plugin is declared the same way


def test_a_plugin_package_answers_reads_through_the_service(
    echo_installed: None, service_factory: Callable[..., ServiceHandle]
) -> None:
    service = service_factory(protocols={"echo": {"device": 9100, "points": {"1": 21.5, "2": 3}}})
    devices = service.http.get("/devices").json()
    assert [(d["instance"], d["protocol"]) for d in devices] == [(9100, "echo")]
    points = service.http.get("/devices/9100/points").json()
    assert [p["point"] for p in points] == [
        "echo:9100/value,1/present-value",
        "echo:9100/value,2/present-value",
    ]

    response = service.http.post(
        "/points/read", json={"points": ["echo:9100/value,1", "echo:9100/value,2"]}
    )
    assert response.status_code == 200, response.text
    assert [r["value"]["value"] for r in response.json()["results"]] == [21.5, 3]

    # The write path (validation, rate limits, audit) is the service's, whatever the protocol.
    response = service.http.post(
        "/points/write",
        json={"writes": [{"point": "echo:9100/value,2", "value": 7}]},
        headers={"X-Caller": "plugin-test"},
    )
    assert response.status_code == 200, response.text
    read = service.http.post("/points/read", json={"points": ["echo:9100/value,2"]}).json()
    assert read["results"][0]["value"]["value"] == 7
    audit = service.http.get("/writes").json()["entries"]
    assert audit[0]["point"] == "echo:9100/value,2/present-value"
    assert audit[0]["outcome"] == "written"


def test_a_point_of_a_protocol_not_configured_is_a_clear_404(
    service_factory: Callable[..., ServiceHandle],
) -> None:
    service = service_factory()
    response = service.http.post("/points/read", json={"points": ["echo:9100/value,1"]})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "unknown_point"
    assert "protocol 'echo' is not configured" in body["message"]


def test_a_configured_protocol_without_a_plugin_stops_the_start(tmp_path: Path) -> None:
    from iot_supervisor.plugins import load_protocols
    from iot_supervisor.settings import Settings

    settings = Settings(data_dir=tmp_path, protocols={"no-such-bus": {}})
    with pytest.raises(ConfigError, match="no plugin named 'no-such-bus'"):
        load_protocols(settings)
