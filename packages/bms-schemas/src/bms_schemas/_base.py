"""The base model every shared schema derives from.

Field names are snake_case in Python and camelCase on the wire, the form the
architecture draft gives for the bundle (``schemaVersion``, ``createdAt``) and
the one TypeScript expects. Unknown fields are refused so that a typo in a
bundle is an error, not a silently ignored setting.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class BmsModel(BaseModel):
    """Strict, camelCase-on-the-wire, immutable base model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        serialize_by_alias=True,
    )
