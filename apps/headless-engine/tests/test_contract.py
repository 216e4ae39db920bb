"""API contract tests generated from the engine's own OpenAPI document (schemathesis).

Every generated request goes over real HTTP to an engine served by uvicorn
(its IoT service away). No generated request may produce a 5xx, and every
response must match the documented schema. The endless ``/engine/stream`` is
left out; it has its own test.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from headless_engine.settings import Settings


def test_no_generated_request_gets_a_server_error(served: str, settings: Settings) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json").exclude(
        path_regex="^/engine/stream$"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    checked = []
    calls: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: schemathesis.Case) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                headers={"Authorization": f"Bearer {settings.token}"},
                additional_checks=[not_a_server_error],
            )

        check()
        checked.append(operation.label)
    assert "POST /engine/deploy" in checked
    assert len(calls) >= 10 * len(operations) // 2, "too few generated requests"
    assert "POST /engine/rollback" in checked
