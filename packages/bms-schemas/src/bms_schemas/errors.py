"""The error envelope every HTTP API of the system answers with."""

from __future__ import annotations

from pydantic import Field, JsonValue

from bms_schemas._base import BmsModel


class ErrorEnvelope(BmsModel):
    """``{code, message, details}``: a stable machine code, a sentence for people, and context."""

    code: str = Field(description="Stable, machine-readable error code, e.g. 'unknown_point'.")
    message: str = Field(description="What went wrong, in a sentence that names the culprit.")
    details: JsonValue = Field(
        default=None, description="Structured context: the field, the offending value, sub-errors."
    )
