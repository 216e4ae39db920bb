"""The expression block: what it computes, and everything it refuses at validation time."""

from __future__ import annotations

import pytest

from bms_schemas import IssueCode
from supervisor_engine import default_registry, validate_graph
from supervisor_engine.testing import BlockHarness, GraphBuilder


def test_arithmetic_functions_and_conditionals():
    h = BlockHarness(
        "math.expression",
        expression="clamp((in1 - in2) * 10, 0, 100) if b1 else 0",
        inputs=2,
        boolInputs=1,
    )
    assert h.step(in1=23.0, in2=21.0, b1=True) == {"out": 20.0}
    assert h.step(in1=40.0) == {"out": 100.0}
    assert h.step(b1=False) == {"out": 0.0}


def test_boolean_result():
    h = BlockHarness(
        "math.expression", expression="in1 > 26 or (b1 and not b2)", inputs=1, boolInputs=2,
        valueType="bool",
    )  # fmt: skip
    assert h.step(in1=20.0, b1=True, b2=False) == {"out": True}
    assert h.step(b2=True) == {"out": False}
    assert h.step(in1=27.0) == {"out": True}


def test_a_runtime_math_error_faults_the_node_not_the_tick():
    h = BlockHarness("math.expression", expression="sqrt(in1)", inputs=1)
    h.step(in1=-1.0)
    assert "math domain error" in h.last.faults["block"]
    assert h.step(in1=9.0) == {"out": 3.0}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("in1.__class__", "Attribute at column 1 is not allowed"),
        ("__import__('os')", "function '__import__' at column 1 is not allowed"),
        ("open('x')", "function 'open'"),
        ("in1 ** 99999", "'**' at column 1 is not allowed; use pow"),
        ("[in1][0]", "not allowed"),
        ("(lambda: 1)()", "not allowed"),
        ("x + 1", "unknown name 'x'"),
        ("in1 and b1", "must be a bool, not a number"),
        ("in1 + b1", "must be a number, not a bool"),
        ("b1 < b1", "only be compared with == or !="),
        ("in1 if in2 else 0", "condition at column 8 must be a bool"),
        ("min()", "needs at least one argument"),
        ("pow(in1)", "takes 2 argument(s), not 1"),
        ("in1 +", "syntax error"),
        ("in1 > 1", "gives a bool, but valueType is number"),
        ("'text'", "Constant"),
        ("1" + " + 1" * 300, "at most 500"),
    ],
)
def test_unsafe_or_ill_typed_expressions_are_refused_at_validation(expression, message):
    g = GraphBuilder()
    g.node("math.expression", "e", expression=expression, inputs=2, boolInputs=1)
    issues = validate_graph(g.build(), default_registry())
    assert [(i.code, i.node) for i in issues if i.code is IssueCode.INVALID_PARAMETER] == [
        (IssueCode.INVALID_PARAMETER, "e")
    ]
    assert message in issues[0].message


def test_pow_has_a_bounded_exponent():
    h = BlockHarness("math.expression", expression="pow(in1, in2)", inputs=2)
    assert h.step(in1=2.0, in2=3.0) == {"out": 8.0}
    h.step(in2=1000.0)
    assert "exponent" in h.last.faults["block"]
