"""API contract tests generated from the service's own OpenAPI document (schemathesis).

Every generated request goes over real HTTP to a service that talks real
BACnet/IP to a small simulator. No generated request may produce a 5xx, and
every response must match the documented schema, and a request the schema calls
valid must be accepted (positive data acceptance: no 400/422 for it). ``/discover`` (whose
timeouts would only make the run slow) and the endless ``/stream`` are left
out; both are covered by their own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings

# A plan number outside the range the function-scoped fixtures count through.
PLAN = NetPlan.allocate()
TOKEN = "contract-token-0123456789"
NOT_IN_THE_SCHEMA = {
    # Its rule that start comes before end spans two parameters, which OpenAPI cannot
    # express; its point parameters are plain strings (issue 15's endpoint, left as is).
    "GET /points/history": "start < end",
}
"""Operations whose rules the schema cannot state, so schema-valid data may get a 400."""


@pytest.fixture(scope="module")
def contract_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceHandle]:
    sim = SimHandle(
        SimulatorConfig.grid(
            devices=1, points_per_device=7, ip_prefix=PLAN.ip_prefix, port=PLAN.device_port
        )
    )
    data: Path = tmp_path_factory.mktemp("contract")
    service = ServiceHandle(loopback_settings(PLAN, data, TOKEN), TOKEN)
    assert service.http.post("/discover", json={}).status_code == 200
    yield service
    service.close()
    sim.close()


def test_no_generated_request_gets_a_server_error(contract_service: ServiceHandle) -> None:
    # schemathesis.pytest.from_fixture does not run under pytest 9 (it reads a removed
    # private attribute), so each operation's strategy is driven by hypothesis here.
    schema = schemathesis.openapi.from_url(f"{contract_service.base_url}/openapi.json").exclude(
        path_regex="^/(discover|stream)$"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    checked = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN}"},
                # A request the schema calls valid must not be refused as malformed (4xx
                # other than 401/403/404/409/429), and nothing may be a server error.
                additional_checks=[not_a_server_error],
                excluded_checks=[positive_data_acceptance]
                if case.operation.label in NOT_IN_THE_SCHEMA
                else [],
            )

        check()
        checked.append(operation.label)
    assert "POST /points/write" in checked
