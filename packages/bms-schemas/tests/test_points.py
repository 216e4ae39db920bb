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


# -- protocol-qualified references (IoT service protocol plugins) ------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("modbus:9001/holding-register,3", "modbus:9001/holding-register,3/present-value"),
        ("modbus:9001/coil,0/present-value", "modbus:9001/coil,0/present-value"),
        ("echo:7/thing,1/raw[2]", "echo:7/thing,1/raw[2]"),
        ("bacnet:1001/analog-value,3", "1001/analog-value,3/present-value"),
    ],
)
def test_protocol_qualified_references_parse_and_print_canonically(text, canonical):
    ref = PointRef.parse(text)
    assert str(ref) == canonical
    assert PointRef.parse(canonical) == ref


def test_a_reference_without_a_protocol_keeps_meaning_bacnet():
    ref = PointRef.parse("1001/analog-value,3")
    assert ref.protocol == "bacnet"
    assert ref == PointRef.parse("bacnet:1001/analog-value,3")
    assert ref.model_dump(mode="json") == "1001/analog-value,3/present-value"


def test_the_protocol_tells_otherwise_equal_references_apart():
    bacnet = PointRef.parse("9001/analog-value,3")
    modbus = PointRef.parse("modbus:9001/analog-value,3")
    assert bacnet != modbus
    assert str(modbus) != str(bacnet)
    assert modbus.object_key == "modbus:9001/analog-value,3"


@pytest.mark.parametrize(
    "text",
    [
        "Modbus:9001/coil,1",  # protocol names are lower case
        "modbus:/coil,1",
        "modbus:9001/Coil,1",
        "modbus:9001/coil,x",
        "bacnet:1/no-such-type,1",  # an explicit bacnet: is still BACnet
        ":1/analog-value,1",
    ],
)
def test_malformed_protocol_references_are_refused(text):
    import re

    from bms_schemas.points import SCHEMA_PATTERN

    with pytest.raises(PointRefError):
        PointRef.parse(text)
    assert not re.match(SCHEMA_PATTERN, text)


def _qualified(protocol: str, device: int, kind: str, address: int, prop: str) -> PointRef:
    return PointRef(
        protocol=protocol, device=device, object_type=kind, instance=address, property=prop
    )


qualified_refs = st.builds(
    _qualified,
    protocol=st.sampled_from(["modbus", "echo", "knx-ip", "opc-ua"]),
    device=st.integers(0, 4_194_302),
    kind=st.sampled_from(["coil", "discrete-input", "input-register", "holding-register", "x1"]),
    address=st.integers(0, 65_535),
    prop=st.sampled_from(["present-value", "raw", "7"]),
)


@given(qualified_refs)
def test_protocol_references_round_trip_and_match_the_schema_pattern(ref: PointRef):
    import re

    from bms_schemas.points import SCHEMA_PATTERN

    assert PointRef.parse(str(ref)) == ref
    assert PointRef.model_validate(ref.model_dump(mode="json")) == ref
    assert re.match(SCHEMA_PATTERN, str(ref))
