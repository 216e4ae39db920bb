from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from bms_schemas import STANDARD_OBJECT_TYPES, PointRef, PointRefError


@pytest.mark.parametrize(
    ("text", "device", "object_type", "instance", "prop", "index"),
    [
        ("1001/analog-value,3/present-value", 1001, "analog-value", 3, "present-value", None),
        ("7/analog-output,1/priority-array[8]", 7, "analog-output", 1, "priority-array", 8),
        ("12/binary-input,0/status-flags", 12, "binary-input", 0, "status-flags", None),
        ("5/200,4/present-value", 5, "200", 4, "present-value", None),
    ],
)
def test_canonical_form_parses_into_fields(text, device, object_type, instance, prop, index):
    ref = PointRef.parse(text)
    assert (ref.device, ref.object_type, ref.instance, ref.property, ref.index) == (
        device,
        object_type,
        instance,
        prop,
        index,
    )
    assert str(ref) == text


def test_property_defaults_to_present_value_and_prints_canonically():
    assert str(PointRef.parse("1001/analog-value,3")) == "1001/analog-value,3/present-value"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1001",
        "1001/analog-value",
        "1001/analog-value,x/present-value",
        "1001/Analog-Value,3/present-value",
        "1001/no-such-type,3/present-value",
        "4194303/analog-value,3/present-value",
        "1/analog-value,4194304",
        "1/50,1",
        "1/analog-value,1/present-value[]",
    ],
)
def test_malformed_references_are_refused_with_the_text_named(text):
    with pytest.raises(PointRefError) as caught:
        PointRef.parse(text)
    assert repr(text) in str(caught.value)


def test_point_ref_is_a_string_inside_other_models():
    class Holder(BaseModel):
        point: PointRef

    holder = Holder.model_validate({"point": "1/analog-input,2"})
    assert holder.point.instance == 2
    assert holder.model_dump(mode="json") == {"point": "1/analog-input,2/present-value"}
    schema = Holder.model_json_schema()
    assert schema["properties"]["point"] == {"$ref": "#/$defs/PointRef"}
    assert schema["$defs"]["PointRef"]["type"] == "string"


def _ref(device: int, object_type: str, instance: int, prop: str, index: int | None) -> PointRef:
    return PointRef(
        device=device, object_type=object_type, instance=instance, property=prop, index=index
    )


refs = st.builds(
    _ref,
    device=st.integers(0, 4_194_302),
    object_type=st.sampled_from(sorted(STANDARD_OBJECT_TYPES)) | st.integers(128, 1023).map(str),
    instance=st.integers(0, 4_194_303),
    prop=st.sampled_from(["present-value", "priority-array", "units", "object-name", "85"]),
    index=st.none() | st.integers(0, 16),
)


@given(refs)
def test_printing_and_parsing_are_inverse(ref: PointRef):
    assert PointRef.parse(str(ref)) == ref
    assert str(PointRef.parse(str(ref))) == str(ref)


@given(refs)
def test_json_schema_pattern_accepts_every_reference_the_model_accepts(ref: PointRef):
    import re

    from bms_schemas.points import SCHEMA_PATTERN

    assert re.match(SCHEMA_PATTERN, str(ref))


@pytest.mark.parametrize("text", ["0/a,0", "5/127,4", "5/1024,1", "1/no-such-type,1"])
def test_json_schema_pattern_refuses_object_types_the_model_refuses(text):
    import re

    from bms_schemas.points import SCHEMA_PATTERN

    assert not re.match(SCHEMA_PATTERN, text)
    with pytest.raises(PointRefError):
        PointRef.parse(text)
