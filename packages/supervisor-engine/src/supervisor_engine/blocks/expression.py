"""The expression block: a small, safe, typed formula checked when the graph is validated.

A formula is parsed with Python's own parser, then every node of its syntax
tree is checked against a short whitelist: numbers and booleans, the block's
inputs by name (``in1``.. number inputs, ``b1``.. boolean inputs), arithmetic
(``+ - * / // %``), comparisons, ``and or not``, ``x if c else y`` and calls
of a few pure math functions. No attribute access, no subscripts, no other
names, no ``**`` (a power is ``pow(x, y)`` with a bounded exponent). Types
are inferred as it is checked: a number where a bool is due, or the reverse,
is a validation error naming the position. Only a tree that passed is
compiled, and it runs without builtins.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from bms_schemas import ValueType
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, NUMBER, port

MAX_LENGTH = 500
MAX_EXPONENT = 64.0

N, B = ValueType.NUMBER, ValueType.BOOL


def _pow(x: float, y: float) -> float:
    if abs(y) > MAX_EXPONENT:
        raise ValueError(f"pow exponent {y} is beyond +-{MAX_EXPONENT}")
    return float(math.pow(x, y))


def _clamp(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[ValueType, ...] | None, ValueType]] = {
    # name: (implementation, argument types (None = one or more numbers), result type)
    "abs": (abs, (N,), N),
    "min": (min, None, N),
    "max": (max, None, N),
    "sqrt": (math.sqrt, (N,), N),
    "exp": (math.exp, (N,), N),
    "log": (math.log, (N,), N),
    "log10": (math.log10, (N,), N),
    "sin": (math.sin, (N,), N),
    "cos": (math.cos, (N,), N),
    "floor": (math.floor, (N,), N),
    "ceil": (math.ceil, (N,), N),
    "round": (round, (N,), N),
    "pow": (_pow, (N, N), N),
    "clamp": (_clamp, (N, N, N), N),
}

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class ExpressionError(ValueError):
    """A formula that is not allowed or does not type-check."""


def check_expression(text: str, numbers: int, bools: int) -> tuple[ast.Expression, ValueType]:
    """Parse and check a formula; returns the tree and the type of its result."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"syntax error at column {err.offset}: {err.msg}") from None
    names = {f"in{i}": N for i in range(1, numbers + 1)} | {f"b{i}": B for i in range(1, bools + 1)}
    return tree, _type_of(tree.body, names)


def _where(node: ast.AST) -> str:
    return f"at column {getattr(node, 'col_offset', 0) + 1}"


def _expect(node: ast.expr, names: dict[str, ValueType], wanted: ValueType, what: str) -> None:
    got = _type_of(node, names)
    if got is not wanted:
        raise ExpressionError(f"{what} {_where(node)} must be a {wanted.value}, not a {got.value}")


def _type_of(node: ast.expr, names: dict[str, ValueType]) -> ValueType:
    match node:
        case ast.Constant(value=bool()):
            return B
        case ast.Constant(value=int() | float()):
            return N
        case ast.Name(id=name) if name in names:
            return names[name]
        case ast.Name(id=name):
            known = ", ".join(sorted(names)) or "none"
            raise ExpressionError(f"unknown name {name!r} {_where(node)}; inputs are: {known}")
        case ast.BinOp(op=op, left=left, right=right) if isinstance(op, _ARITHMETIC):
            _expect(left, names, N, "operand")
            _expect(right, names, N, "operand")
            return N
        case ast.BinOp(op=ast.Pow()):
            raise ExpressionError(f"'**' {_where(node)} is not allowed; use pow(x, y)")
        case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
            _expect(operand, names, N, "operand")
            return N
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            _expect(operand, names, B, "operand of 'not'")
            return B
        case ast.BoolOp(values=values):
            for value in values:
                _expect(value, names, B, "operand of 'and'/'or'")
            return B
        case ast.Compare(left=left, ops=ops, comparators=rights) if all(
            isinstance(op, _COMPARISONS) for op in ops
        ):
            kinds = {_type_of(left, names), *(_type_of(r, names) for r in rights)}
            if len(kinds) > 1:
                raise ExpressionError(f"comparison {_where(node)} mixes numbers and booleans")
            if kinds == {B} and any(not isinstance(op, ast.Eq | ast.NotEq) for op in ops):
                raise ExpressionError(f"booleans {_where(node)} can only be compared with == or !=")
            return B
        case ast.IfExp(test=test, body=body, orelse=orelse):
            _expect(test, names, B, "condition")
            kind = _type_of(body, names)
            _expect(orelse, names, kind, "else branch")
            return kind
        case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in FUNCTIONS:
            _fn, arg_types, result = FUNCTIONS[name]
            if arg_types is None:
                if not args:
                    raise ExpressionError(f"{name}() {_where(node)} needs at least one argument")
                arg_types = (N,) * len(args)
            if len(args) != len(arg_types):
                raise ExpressionError(
                    f"{name}() {_where(node)} takes {len(arg_types)} argument(s), not {len(args)}"
                )
            for arg, kind in zip(args, arg_types, strict=True):
                _expect(arg, names, kind, f"argument of {name}()")
            return result
        case ast.Call(func=ast.Name(id=name)):
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(
                f"function {name!r} {_where(node)} is not allowed; use: {allowed}"
            )
    raise ExpressionError(f"{type(node).__name__} {_where(node)} is not allowed in an expression")


class ExpressionParams(Params):
    """Parameters of the expression block."""

    expression: str = Field(
        min_length=1,
        description="Formula over in1..inN (numbers) and b1..bM (booleans), e.g. "
        "'clamp((in1 - in2) * 10, 0, 100) if b1 else 0'.",
    )
    inputs: int = Field(default=2, ge=0, le=8, description="Number of number inputs in1..inN.")
    bool_inputs: int = Field(default=0, ge=0, le=8, description="Number of boolean inputs b1..bM.")
    value_type: ValueType = Field(
        default=ValueType.NUMBER, description="Type of the result: 'number' or 'bool'."
    )

    @model_validator(mode="after")
    def _formula_checks(self) -> ExpressionParams:
        if self.value_type not in (N, B):
            raise ValueError("the result of an expression is a number or a bool")
        try:
            _tree, kind = check_expression(self.expression, self.inputs, self.bool_inputs)
        except ExpressionError as err:
            raise ValueError(f"expression: {err}") from None
        if kind is not self.value_type:
            raise ValueError(
                f"expression gives a {kind.value}, but valueType is {self.value_type.value}"
            )
        return self


@dataclass(frozen=True)
class _Compiled:
    code: Any
    names: tuple[str, ...]
    namespace: dict[str, Any]


def _compile(params: ExpressionParams, _env: BlockEnv) -> _Compiled:
    tree, _kind = check_expression(params.expression, params.inputs, params.bool_inputs)
    names = tuple(f"in{i}" for i in range(1, params.inputs + 1)) + tuple(
        f"b{i}" for i in range(1, params.bool_inputs + 1)
    )
    namespace: dict[str, Any] = {"__builtins__": {}} | {k: v[0] for k, v in FUNCTIONS.items()}
    return _Compiled(compile(tree, "<expression>", "eval"), names, namespace)


def _evaluate(ctx: BlockContext[ExpressionParams, None], ins: tuple[Any, ...]) -> Any:
    compiled: _Compiled = ctx.bound
    # eval of a tree that passed the whitelist, with no builtins: see the module docstring
    result = eval(compiled.code, compiled.namespace, dict(zip(compiled.names, ins, strict=True)))
    if isinstance(result, float) and not math.isfinite(result):
        raise ArithmeticError(f"expression gave {result}")
    return float(result) if ctx.params.value_type is N else bool(result)


EXPRESSION_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="math.expression", title="Expression", category="math",
        doc="A safe typed formula over number and boolean inputs, checked at validation.",
        inputs=(
            port("in", NUMBER, repeat="inputs"),
            port("b", BOOL, repeat="boolInputs"),
        ),
        outputs=(port("out", type_param="valueType"),),
        params=ExpressionParams, evaluate=_evaluate, bind=_compile,
    ),
)  # fmt: skip
