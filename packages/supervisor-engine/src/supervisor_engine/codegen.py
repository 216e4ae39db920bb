"""Flows compiled to Python code: one generated ``tick`` function per flow.

The interpreter (:class:`~supervisor_engine.evaluator.FlowEvaluator`) walks a
list of steps and indexes flat arrays for every port. Here the same compiled
flow is turned, once at deploy, into straight-line Python source: every port
is a local variable, simple blocks' arithmetic and quality propagation are
written inline, and stateful blocks are called directly with their context.
The source goes through ``compile()`` once; no text from the graph is ever
part of it (point keys, node ids and odd constants live in the function's
namespace as objects, and only numbers, booleans and ``None`` are written as
literals). The expression block evaluates its own whitelisted syntax as before.

The interpreter stays the reference: a property test runs random graphs
through both and requires the same outputs, qualities, faults and writes.
Where inlined code raises (a value of an unexpected type), the node is
evaluated again by the reference step, so a fault reads exactly as the
interpreter would report it.
"""

from __future__ import annotations

import ast
import logging
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from bms_schemas import QUALITY_RANK, PointValue
from supervisor_engine.block import PointWrite, TickInfo
from supervisor_engine.blocks.expression import check_expression
from supervisor_engine.evaluator import FlowEvaluator, NodeSlots, TickResult
from supervisor_engine.quality import FAULT, OK, STALE
from supervisor_engine.readings import digests

log = logging.getLogger(__name__)

Inline = Callable[["_Emitter", NodeSlots, list[str], list[str], list[str], list[str]], list[str]]
"""Writes the body of one simple block: (emitter, node, in values, in ranks, out values, out ranks) -> lines."""


def _literal(value: Any) -> str | None:
    """Source for ``value`` when it is a plain literal that reads back identical, else None."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if type(value) is int:
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    return None


class _Emitter:
    """Builds the source of one flow's tick function and the namespace it runs in."""

    def __init__(self, flow: FlowEvaluator) -> None:
        self.flow = flow
        self.namespace: dict[str, Any] = {}
        self.ctx: dict[str, str] = {}
        """Namespace name of each node's context, by node id."""
        self.literals: set[str] = set()
        """Source text of the literals written, which are known at generation time."""
        self.ages: dict[timedelta, int] = {}
        """The stale ages of the flow's inputs, each with its index in ``lims``."""
        self.limits: set[int] = set()
        """Indexes of the stale limits the function being written needs."""
        self._count = 0

    def begin(self) -> dict[str, Any]:
        """Start a new function with a namespace of its own.

        Each generated function gets a small namespace: a global lookup then stays a
        cheap, cache-friendly hit even in a flow of ten thousand blocks.
        """
        self.namespace = {
            "QR": QUALITY_RANK,
            "_fsum": math.fsum,
            "_abs": abs,
            "_max": max,
            "_min": min,
            "_slow": _slow,
            "_limit": _limit,
        }
        self.limits = set()
        self._count = 0  # names are per namespace: every chunk has the same few (interned once)
        return self.namespace

    def name(self, prefix: str, value: Any) -> str:
        """A namespace name holding ``value`` (never written into the source)."""
        self._count += 1
        key = sys.intern(f"{prefix}{self._count}")  # the one string the code's names are
        self.namespace[key] = value
        return key

    def const(self, value: Any) -> str:
        """``value`` as source: a literal when safe, else a namespace name."""
        lit = _literal(value)
        if lit is None:
            return self.name("K", value)
        self.literals.add(lit)
        return lit

    def limit(self, age: timedelta) -> str:
        """A local holding ``wall - age`` for the chunk being written (computed once per tick)."""
        index = self.ages.setdefault(age, len(self.ages))
        self.limits.add(index)
        return f"_lim{index}"

    def none_test(self, exprs: Sequence[str]) -> str | None:
        """Source testing whether any of ``exprs`` is None; None when none of them can be."""
        tests: list[str] = []
        for x in exprs:
            if x in self.literals:
                if x == "None":
                    return "True"
                continue  # a literal that is not None ('0 is None' is a syntax warning)
            tests.append(f"{x} is None")
        return " or ".join(tests) if tests else None

    def is_true(self, x: str) -> str:
        """Source for ``x is True``, folded for literals."""
        return repr(x == "True") if x in self.literals else f"{x} is True"


def _worst(ranks: Sequence[str]) -> str:
    """Source for the worst (highest) of some quality ranks, without calling ``max``."""
    ranks = list(dict.fromkeys(r for r in ranks if r != str(OK)))  # no rank is better than OK
    if not ranks:
        return str(OK)
    if len(ranks) == 1:
        return ranks[0]
    if len(ranks) == 2:
        a, b = ranks
        return f"({a} if {a} > {b} else {b})"
    return f"_max({', '.join(ranks)})"


class CompiledFlow(FlowEvaluator):
    """A flow evaluated by generated code; same interface and results as the interpreter."""

    def __init__(
        self,
        flow_id: str,
        nodes: Sequence[NodeSlots],
        slot_names: Sequence[str],
        constants: Mapping[int, Any],
    ) -> None:
        super().__init__(flow_id, nodes, slot_names, constants)
        self._read = tuple(sorted(self.points_read))
        self._constants = constants
        # each function compiled as soon as it is written: one function's source at a time
        functions: dict[str, Any] = {}
        for name, source, namespace in _generate(self, _Emitter(self), constants):
            if name == "tick":
                namespace.update(functions)  # tick calls the chunks
                filename = f"<flow {flow_id!r}>"
            else:
                filename = f"<flow {flow_id!r} part {name.removeprefix('_chunk')}>"
            code = compile(source, filename, "exec")
            exec(code, namespace)  # the source is ours: see the module docstring
            functions[name] = namespace[name]
        self._run: Callable[..., dict[str, str]] = functions["tick"]

    @property
    def source(self) -> str:
        """The generated Python, every function of it (``supervisor-engine compile --show``).

        Generated again when asked, not kept: about 400 bytes per block that only a person
        debugging a flow reads. Generation depends on the nodes alone, so it is the same text.
        """
        parts = _generate(self, _Emitter(self), self._constants)
        return "\n".join(source for _name, source, _namespace in parts)

    def tick(
        self, now: float, wall: datetime, dt: float, snapshot: Mapping[str, PointValue]
    ) -> TickResult:
        """Evaluate every node once at logical time ``now``."""
        info: TickInfo = self._tick
        info.now, info.wall, info.dt, info.snapshot = now, wall, dt, snapshot
        writes: list[PointWrite] = []
        info.writes = writes
        # (value, rank, timestamp) of each input, digested as it arrived (see readings.py)
        raw = digests(snapshot, self._read)
        new_faults = self._run(self._values, self._ranks, raw.get, wall)
        faults = self._faults
        if new_faults:
            for node_id in new_faults.keys() - faults.keys():
                log.warning("node %s faulted: %s", node_id, new_faults[node_id])
        self._faults = new_faults
        info.first = False
        return TickResult(writes=writes, faults=new_faults)


CHUNK = 50
"""Nodes per generated function: CPython compiles many small functions much faster
than one huge one, and a call per fifty nodes costs nothing. The compiler's memory
(syntax tree, symbol table, instructions) grows with the function: about 5 MB at a
hundred nodes, half at fifty, taken from the heap at deploy and kept by the process."""


def _generate(
    flow: FlowEvaluator, em: _Emitter, constants: Mapping[int, Any]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, source, namespace) of each chunk function, then of ``tick`` which calls them."""
    steps = list(zip(flow.nodes, flow._steps, strict=True))
    # a constant block's output is a constant like any other: written as its value
    known = dict(constants)
    for node in flow.nodes:
        if node.block.type == "io.constant":
            known[node.outputs[0]] = _param(node, "value")
    # A unit delay evaluated before the node that feeds it latches right after that node,
    # from its locals; the delay has read its state by then, and nothing else reads it.
    latched: dict[int, list[tuple[Any, int]]] = {}
    inlined: set[int] = set()
    for step in flow._latches:
        node = step.node
        if node.block.type != "math.unit-delay" or node.inputs[0] in known:
            continue
        source = flow._slot_step[node.inputs[0]]
        delay = next(k for k, s in enumerate(flow._steps) if s.ctx is step.ctx)
        if delay < source:
            latched.setdefault(source, []).append((step.ctx, node.inputs[0]))
            inlined.add(id(step))
    calls: list[str] = []
    for c, start in enumerate(range(0, len(steps), CHUNK)):
        namespace = em.begin()
        lines = _chunk(c, start, steps[start : start + CHUNK], em, known, latched)
        yield f"_chunk{c}", "\n".join(lines) + "\n", namespace
        calls.append(f"_chunk{c}(values, ranks, rget, lims, faults)")
    namespace = em.begin()
    ages = [em.name("A", age) for age in em.ages]  # in index order
    body = [f"lims = ({_tuple([f'_limit(wall, {a})' for a in ages])})", *calls]
    for step in flow._latches:
        node = step.node
        if id(step) in inlined:
            continue
        ctx = em.name("C", step.ctx)
        ins_v = [em.const(known[i]) if i in known else f"values[{i}]" for i in node.inputs]
        ins_r = [str(OK) if i in known else f"ranks[{i}]" for i in node.inputs]
        body.append(f"# latch of node {node.node_id!r}")
        if node.block.type == "math.unit-delay":
            body += [f"_s = {ctx}.state", f"_s.value = {ins_v[0]}", f"_s.quality = {ins_r[0]}"]
        else:
            latch = em.name("L", step.fn)
            body.append(f"{latch}({ctx}, ({_tuple(ins_v)}), ({_tuple(ins_r)}))")
    body.append("return faults")
    lines = ["def tick(values, ranks, rget, wall):", "    faults = {}", *_indent(body)]
    yield "tick", "\n".join(lines) + "\n", namespace


def _chunk(
    c: int,
    start: int,
    steps: Sequence[tuple[NodeSlots, Any]],
    em: _Emitter,
    constants: Mapping[int, Any],
    latched: Mapping[int, list[tuple[Any, int]]],
) -> list[str]:
    """One generated function evaluating ``steps`` (consecutive nodes of the order)."""
    defined: set[int] = set()
    preload: set[int] = set()
    const: dict[int, str] = {}
    number: dict[int, int] = {}

    def n(i: int) -> int:
        """The chunk's own number for slot ``i``, which its local names carry: every chunk
        then uses the same few names (v0, r0, ...), each interned once for all flows."""
        return number.setdefault(i, len(number))

    def constant(i: int) -> str:
        if i not in const:
            const[i] = em.const(constants[i])
        return const[i]

    def value(i: int) -> str:
        if i in constants:
            return constant(i)
        if i in defined:
            return f"v{n(i)}"
        # an earlier chunk's output (this tick's), or a delay's input read before its
        # source ran (last tick's): either way what the arrays hold now
        preload.add(i)
        return f"x{n(i)}"

    def rank(i: int) -> str:
        if i in constants:
            return str(OK)
        return f"r{n(i)}" if i in defined else f"y{n(i)}"

    body: list[str] = []
    own: list[int] = []

    def latch_after(k: int) -> None:
        for ctx_object, slot in latched.get(k, ()):
            ctx = em.name("C", ctx_object)
            body.append(f"# latch of the delay fed by slot {slot}")
            body.extend(
                [f"_s = {ctx}.state", f"_s.value = {value(slot)}", f"_s.quality = {rank(slot)}"]
            )

    for k, (node, step) in enumerate(steps, start):
        if k > start:
            latch_after(k - 1)
        ins_v = [value(i) for i in node.inputs]
        ins_r = [rank(i) for i in node.inputs]
        defined.update(node.outputs)
        own += node.outputs
        outs_v = [f"v{n(o)}" for o in node.outputs]
        outs_r = [f"r{n(o)}" for o in node.outputs]
        body.append(f"# {k}: node {node.node_id!r} ({node.block.type})")
        ctx = em.ctx[node.node_id] = em.name("C", step.ctx)
        node_name = em.name("N", node.node_id)
        inline = _INLINE.get(node.block.type)
        if node.block.type == "io.constant":
            continue  # its output is written as its value where it is read: see value()
        if inline is not None:
            fast = inline(em, node, ins_v, ins_r, outs_v, outs_r)
            ref = em.name("S", step)
            slow = (
                f"{outs_v[0]}, {outs_r[0]} = _slow(faults, {ref}, {node_name}, values, "
                f"{node.outputs[0]}, ({_tuple(ins_v)}), ({_tuple(ins_r)}))"
            )
            body += ["try:", *_indent(fast), "except Exception:", "    " + slow]
            continue
        fault = [f"faults[{node_name}] = f'{{type(err).__name__}}: {{err}}'"]
        for o in node.outputs:
            fault += [f"v{n(o)} = values[{o}]", f"r{n(o)} = {FAULT}"]
        fn = em.name("F", step.fn)
        if (
            node.block.type == "io.point-output"
            and _param(node, "refresh_s") is None
            # authored limits clamp the target: the block itself decides (a command retained
            # from before the limits must still be brought inside them)
            and getattr(node.bound, "low", None) is None
            and getattr(node.bound, "high", None) is None
        ):
            # Most ticks a command does not move: say so without the call. Only plain
            # floats are decided here; anything else goes to the block itself.
            (commanded, enable), q_commanded = ins_v, ins_r[0]
            deadband = em.const(_param(node, "deadband"))
            enabled = em.is_true(enable)
            enabled = "" if enabled == "True" else f" and {enabled}"
            out_v, out_r = outs_v[0], outs_r[0]
            # abs(d) > deadband <=> d > deadband or -d > deadband, nan included
            guarded = [
                f"_st = {ctx}.state",
                "_c = _st.commanded",
                f"if ({q_commanded} == {OK}{enabled} and type({commanded}) is float"
                " and type(_c) is float and _st.has_commanded"
                f" and not ((_d := {commanded} - _c) > {deadband} or -_d > {deadband})):",
                f"    {out_v} = _c",
                f"    {out_r} = {OK}",
                "else:",
                f"    {out_v}, {out_r} = {fn}({ctx}, ({_tuple(ins_v)}), ({_tuple(ins_r)}))",
            ]
            body += ["try:", *_indent(guarded), "except Exception as err:", *_indent(fault)]
            continue
        if node.block.quality_aware:
            guarded = [f"_o, _q = {fn}({ctx}, ({_tuple(ins_v)}), ({_tuple(ins_r)}))"]
            worst = "_q"
        else:
            call = [f"_o = {fn}({ctx}, ({_tuple(ins_v)}))"]
            worst = _worst(ins_r)
            guarded = call
            none = em.none_test(ins_v)
            if none is not None:
                none_out = "None" if len(outs_v) == 1 else f"(None,) * {len(outs_v)}"
                guarded = [
                    "_q = " + worst,
                    f"if {none}:",
                    f"    _o = {none_out}",
                    f"    _q = _q if _q > {STALE} else {STALE}",
                    "else:",
                    *_indent(call),
                ]
                worst = "_q"
        body += ["try:", *_indent(guarded), "except Exception as err:", *_indent(fault)]
        if len(outs_v) == 1:
            body += ["else:", f"    {outs_v[0]} = _o", f"    {outs_r[0]} = {worst}"]
        elif outs_v:
            body += ["else:", f"    {', '.join(outs_v)}, = _o"]
            body += [f"    {x} = {worst}" for x in outs_r]
    latch_after(start + len(steps) - 1)
    # write this chunk's slots back: monitoring reads them, later chunks and the next
    # tick too (a faulted node keeps its last outputs)
    if own:
        lo, hi = min(own), max(own) + 1
        if sorted(own) == list(range(lo, hi)):
            body.append(f"values[{lo}:{hi}] = ({_tuple([value(o) for o in range(lo, hi)])})")
            body.append(f"ranks[{lo}:{hi}] = ({_tuple([rank(o) for o in range(lo, hi)])})")
        else:  # outputs are numbered in evaluation order, so this is not expected
            body += [f"values[{o}] = {value(o)}" for o in own]
            body += [f"ranks[{o}] = {rank(o)}" for o in own]
    pre = [f"x{n(i)} = values[{i}]; y{n(i)} = ranks[{i}]" for i in sorted(preload)]
    pre += [f"_lim{index} = lims[{index}]" for index in sorted(em.limits)]
    head = f"def _chunk{c}(values, ranks, rget, lims, faults):"
    return [head, *_indent(pre), *_indent(body), "    pass", ""]


def _slow(
    faults: dict[str, str],
    step: Any,
    node_id: str,
    values: list[Any],
    slot: int,
    ins: tuple[Any, ...],
    qs: tuple[int, ...],
) -> tuple[Any, int]:
    """An inlined node whose code raised, evaluated again the interpreter's way."""
    try:
        outs, q = _reference(step, ins, qs)
    except Exception as err:
        faults[node_id] = f"{type(err).__name__}: {err}"
        return values[slot], FAULT
    return outs[0], q


def _tuple(items: Sequence[str]) -> str:
    if not items:
        return ""
    return ", ".join(items) + ("," if len(items) == 1 else "")


def _indent(lines: Sequence[str]) -> list[str]:
    return ["    " + line for line in lines]


def _reference(step: Any, ins: tuple[Any, ...], qs: tuple[int, ...]) -> tuple[tuple[Any, ...], int]:
    """One node evaluated exactly as the interpreter does: (values, ranks) -> (outs, rank).

    It takes the interpreter's step of the node (which the flow keeps anyway) rather than
    a closure per inlined node: these run only when inlined code raised.
    """
    fn, ctx, n_out = step.fn, step.ctx, step.n_out
    if step.aware:
        out, q = fn(ctx, ins, qs)
    else:
        q = max(qs) if qs else OK
        if None in ins:
            out = None if n_out == 1 else (None,) * n_out
            q = q if q > STALE else STALE
        else:
            out = fn(ctx, ins)
    return ((out,) if n_out == 1 else tuple(out)), q


# ---- simple blocks written inline ------------------------------------------------------


def _plain(expr: Callable[[NodeSlots, list[str], _Emitter], str]) -> Inline:
    """A block without quality handling: worst input rank, None in -> None out."""

    def emit(
        em: _Emitter,
        node: NodeSlots,
        ins_v: list[str],
        ins_r: list[str],
        outs_v: list[str],
        outs_r: list[str],
    ) -> list[str]:
        (out_v,), (out_r,) = outs_v, outs_r
        worst = _worst(ins_r)
        none = em.none_test(ins_v)
        if none is None:
            return [f"{out_v} = {expr(node, ins_v, em)}", f"{out_r} = {worst}"]
        return [
            f"{out_r} = {worst}",
            f"if {none}:",
            f"    {out_v} = None",
            f"    if {out_r} < {STALE}: {out_r} = {STALE}",
            "else:",
            f"    {out_v} = {expr(node, ins_v, em)}",
        ]

    return emit


def _param(node: NodeSlots, name: str) -> Any:
    return getattr(node.params, name)


def _compare(node: NodeSlots, x: list[str], em: _Emitter) -> str:
    op = str(_param(node, "op"))
    if op in ("==", "!="):
        tol = em.const(_param(node, "tolerance"))
        return f"_abs({x[0]} - {x[1]}) {'<=' if op == '==' else '>'} {tol}"
    return f"{x[0]} {op} {x[1]}"


def _between(node: NodeSlots, x: list[str], em: _Emitter) -> str:
    low, high = em.const(_param(node, "low")), em.const(_param(node, "high"))
    op = "<=" if _param(node, "inclusive") else "<"
    return f"{low} {op} {x[0]} {op} {high}"


def _gate(kind: str) -> Inline:
    def emit(
        em: _Emitter,
        node: NodeSlots,
        ins_v: list[str],
        ins_r: list[str],
        outs_v: list[str],
        outs_r: list[str],
    ) -> list[str]:
        (out_v,), (out_r,) = outs_v, outs_r
        if str(_param(node, "on_invalid")) == "false":
            terms = [
                f"({em.is_true(v)} and {r} < {STALE})" for v, r in zip(ins_v, ins_r, strict=True)
            ]
            return [f"{out_v} = {_combine(kind, terms)}", f"{out_r} = {OK}"]
        none = em.none_test(ins_v) or "False"
        return [
            f"if {none}:",
            f"    {out_v} = None",
            f"    {out_r} = {_worst([*ins_r, str(STALE)])}",
            "else:",
            f"    {out_v} = {_truth(kind, ins_v)}",
            f"    {out_r} = {_worst(ins_r)}",
        ]

    return emit


def _truth(kind: str, ins: list[str]) -> str:
    """Source for ``bool(a) and bool(b) ...`` (or, xor) without calling ``bool``.

    In a conditional expression's test, ``a and b`` truth-tests each operand once, in
    order, stopping where ``bool(a) and bool(b)`` stops: the same calls, the same bool.
    """
    if kind in ("and", "or"):
        return f"(True if ({f' {kind} '.join(ins)}) else False)"
    return _combine(kind, [f"(True if {x} else False)" for x in ins])


def _combine(kind: str, terms: list[str]) -> str:
    if kind == "and":
        return "(" + " and ".join(terms) + ")"
    if kind == "or":
        return "(" + " or ".join(terms) + ")"
    # every term is a bool: xor of bools is a bool, as sum(...) % 2 == 1 is
    return "(" + " ^ ".join(terms) + ")"


def _switch(
    em: _Emitter,
    node: NodeSlots,
    ins_v: list[str],
    ins_r: list[str],
    outs_v: list[str],
    outs_r: list[str],
) -> list[str]:
    (out_v,), (out_r,) = outs_v, outs_r
    sel, on_true, on_false = ins_v
    rs, rt, rf = ins_r
    return [
        f"if {em.none_test([sel]) or 'False'}:",
        f"    {out_v} = None",
        f"    {out_r} = {_worst([rs, str(STALE)])}",
        f"elif {sel}:",
        f"    {out_v} = {on_true}",
        f"    {out_r} = {_worst([rs, rt])}",
        "else:",
        f"    {out_v} = {on_false}",
        f"    {out_r} = {_worst([rs, rf])}",
    ]


def _point_input(
    em: _Emitter,
    node: NodeSlots,
    ins_v: list[str],
    ins_r: list[str],
    outs_v: list[str],
    outs_r: list[str],
) -> list[str]:
    (out_v,), (out_r,) = outs_v, outs_r
    key = em.name("P", node.bound.key)
    age = _stale_age(node.bound.stale_after_s)
    if age is None:
        stale = f"(wall - _ts).total_seconds() > {em.const(node.bound.stale_after_s)}"
    else:
        # older than the limit <=> (wall - timestamp).total_seconds() > stale_after_s, exactly;
        # a limit that cannot be had (None) makes the comparison raise: the reference decides
        stale = f"_ts <= {em.limit(age)}"
    # the digest of the point's value (see readings.py); an unreadable one has rank None,
    # and the comparison raising sends the node to the reference
    return [
        f"_t = rget({key})",
        "if _t is None:",
        f"    {out_v} = None",
        f"    {out_r} = {STALE}",
        "else:",
        f"    {out_v}, {out_r}, _ts = _t",
        f"    if {out_r} < {STALE} and {stale}:",
        f"        {out_r} = {STALE}",
    ]


def _stale_age(stale_after_s: float) -> timedelta | None:
    """The least age whose ``total_seconds()`` is above ``stale_after_s``; None if out of range.

    ``total_seconds()`` is whole microseconds divided by 10**6, correctly rounded, so it
    grows with the age: ages at or above this one are exactly the stale ones.
    """
    if not math.isfinite(stale_after_s) or abs(stale_after_s) > 1e12:
        return None
    n = math.floor(stale_after_s * 1e6)
    while n / 10**6 > stale_after_s:
        n -= 1
    while n / 10**6 <= stale_after_s:
        n += 1
    try:
        return timedelta(microseconds=n)
    except OverflowError:
        return None


def _limit(wall: datetime, age: timedelta) -> datetime | None:
    """``wall - age``, when datetime arithmetic on ``wall`` is exact (naive or a fixed offset)."""
    if wall.tzinfo is not None and type(wall.tzinfo) is not timezone:
        return None
    try:
        return wall - age
    except OverflowError:
        return None


def _unit_delay(
    em: _Emitter,
    node: NodeSlots,
    ins_v: list[str],
    ins_r: list[str],
    outs_v: list[str],
    outs_r: list[str],
) -> list[str]:
    (out_v,), (out_r,) = outs_v, outs_r
    ctx = em.ctx[node.node_id]
    return [f"_s = {ctx}.state", f"{out_v} = _s.value", f"{out_r} = _s.quality"]


def _line(node: NodeSlots, x: list[str], em: _Emitter) -> str:
    y1, y2 = _param(node, "y1"), _param(node, "y2")
    c = {k: em.const(_param(node, k)) for k in ("x1", "y1", "x2", "y2")}
    # the block's own formula, operand for operand, so that it rounds the same
    y = f"{c['y1']} + ({x[0]} - {c['x1']}) * ({c['y2']} - {c['y1']}) / ({c['x2']} - {c['x1']})"
    if not _param(node, "clamp"):
        return y
    return f"_min(_max({y}, {em.const(min(y1, y2))}), {em.const(max(y1, y2))})"


def _limiter(node: NodeSlots, x: list[str], em: _Emitter) -> str:
    low, high = em.const(_param(node, "min")), em.const(_param(node, "max"))
    return f"_min(_max({x[0]}, {low}), {high})"


def _expression(
    em: _Emitter,
    node: NodeSlots,
    ins_v: list[str],
    ins_r: list[str],
    outs_v: list[str],
    outs_r: list[str],
) -> list[str]:
    """The formula as a function of its inputs, made from the tree that passed the whitelist."""
    (out_v,), (out_r,) = outs_v, outs_r
    bound = node.bound
    tree = check_expression(
        _param(node, "expression"), _param(node, "inputs"), _param(node, "bool_inputs")
    )[0]
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=n) for n in bound.names], kwonlyargs=[],
        kw_defaults=[], defaults=[],
    )  # fmt: skip
    lam = ast.fix_missing_locations(ast.Expression(body=ast.Lambda(args=args, body=tree.body)))
    # eval of a tree that passed the whitelist, with no builtins (as the block itself does)
    formula = em.name("E", eval(compile(lam, "<expression>", "eval"), dict(bound.namespace)))
    convert = "float" if str(_param(node, "value_type")) == "number" else "bool"
    none = em.none_test(ins_v)
    lines = [
        f"_x = {formula}({_tuple(ins_v)})",
        # x - x is 0 for a finite number and nan for nan or inf (truthy): the block refuses
        # those with an error, so the reference evaluates it again and reports it
        "if _x.__class__ is float and _x - _x: raise ArithmeticError",
        f"{out_v} = {convert}(_x)",
        f"{out_r} = {_worst(ins_r)}",
    ]
    if none is None:
        return lines
    return [
        f"if {none}:",
        f"    {out_v} = None",
        f"    {out_r} = {_worst([*ins_r, str(STALE)])}" if ins_r else f"    {out_r} = {STALE}",
        "else:",
        *_indent(lines),
    ]


_INLINE: dict[str, Inline] = {
    "math.linear-reset": _plain(_line),
    "math.limiter": _plain(_limiter),
    "math.expression": _expression,
    "io.point-input": _point_input,
    "math.unit-delay": _unit_delay,
    "math.add": _plain(lambda _n, x, _e: f"_fsum(({_tuple(x)}))"),
    "math.multiply": _plain(lambda _n, x, _e: " * ".join(x)),
    "math.subtract": _plain(lambda _n, x, _e: f"{x[0]} - {x[1]}"),
    "math.gain": _plain(lambda n, x, e: f"{e.const(_param(n, 'k'))} * {x[0]}"),
    "math.offset": _plain(lambda n, x, e: f"{x[0]} + {e.const(_param(n, 'offset'))}"),
    "math.abs": _plain(lambda _n, x, _e: f"_abs({x[0]})"),
    "logic.not": _plain(lambda _n, x, _e: f"not {x[0]}"),
    "logic.compare": _plain(_compare),
    "logic.between": _plain(_between),
    "logic.switch": _switch,
    "logic.and": _gate("and"),
    "logic.or": _gate("or"),
    "logic.xor": _gate("xor"),
}


__all__ = ["CompiledFlow"]
