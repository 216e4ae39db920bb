from __future__ import annotations

from bms_schemas import ErrorEnvelope


def test_error_envelope_has_code_message_details():
    envelope = ErrorEnvelope(
        code="unknown_point", message="no point 1/analog-value,9", details={"field": "point"}
    )
    assert envelope.model_dump(mode="json") == {
        "code": "unknown_point",
        "message": "no point 1/analog-value,9",
        "details": {"field": "point"},
    }
