"""Without a broker in its settings, the service never loads the MQTT client (aiomqtt, paho):
about 5.5 MB of resident memory that a site without MQTT should not pay."""

from __future__ import annotations

import subprocess
import sys


def test_the_service_imports_no_mqtt_client_until_a_broker_is_configured() -> None:
    script = (
        "import sys, iot_supervisor.app, iot_supervisor.cli, iot_supervisor.settings;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiomqtt', 'paho'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]", out
