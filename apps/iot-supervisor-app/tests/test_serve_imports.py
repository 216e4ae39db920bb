"""``iot-supervisor serve`` keeps what its start path imports for its whole life (issue 18's
footprint). None of these belongs there: the simulator (its own command), rich and pygments
(the client commands' tables; httpx's own command line), and the MQTT client (aiomqtt,
paho: 5.5 MB) while no broker is configured."""

from __future__ import annotations

from pathlib import Path

from bms_service.testing import modules_loaded

SERVE_PATH = """
import sys
import uvicorn
import iot_supervisor.cli
from iot_supervisor.app import create_app
from iot_supervisor.settings import Settings
create_app(Settings(data_dir=sys.argv[1]))
"""


def test_the_serve_path_loads_only_what_the_service_runs(tmp_path: Path) -> None:
    loaded = modules_loaded(SERVE_PATH, str(tmp_path / "iot"))
    assert {"iot_supervisor.app", "bacpypes3"} <= loaded  # the right process
    assert {m.split(".")[0] for m in loaded} & {"rich", "pygments", "aiomqtt", "paho"} == set()
    assert {m for m in loaded if m.split(".")[:2] == ["iot_supervisor", "simulator"]} == set()
