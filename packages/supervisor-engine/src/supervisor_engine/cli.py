"""``supervisor-engine``: validate, sign, verify and simulate bundles from the shell.

Every user mistake (a missing file, a bad bundle, a wrong key) ends in one
clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from bms_schemas import Graph
from supervisor_engine.bundle import (
    build_bundle,
    bundle_document,
    content_hash,
    load_document,
    load_private_key,
    load_public_key,
    parse_bundle,
    sign_document,
    verify_document,
)
from supervisor_engine.catalogue_docs import render_markdown
from supervisor_engine.codegen import CompiledFlow
from supervisor_engine.compiler import compile_bundle
from supervisor_engine.errors import EngineError, TraceError
from supervisor_engine.keys import generate_key, key_id, private_key_pem, public_key_pem
from supervisor_engine.registry import Registry, default_registry
from supervisor_engine.simulation import simulate
from supervisor_engine.traces import parse_duration, parse_input_csv
from supervisor_engine.validation import validate_bundle

app = typer.Typer(
    name="supervisor-engine",
    help="Validate, sign, verify and simulate BMS supervisor bundles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# No markup: messages quote user data such as "[cycle]" or "priority-array[8]".
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

EXIT_INVALID = 1


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except EngineError as error:
        err.print(f"error: {error}", style="bold red")
        raise typer.Exit(EXIT_INVALID) from None


def _registry() -> Registry:
    return default_registry()


BundleArg = Annotated[Path, typer.Argument(help="Bundle JSON file.", show_default=False)]


@app.command()
def validate(bundle: BundleArg) -> None:
    """Check a bundle: schema, block types, parameters, wiring, cycles, points, schedules."""
    with _user_errors():
        document = load_document(bundle)
        model = parse_bundle(document)
        issues = validate_bundle(model, _registry())
    if issues:
        err.print(f"{bundle}: {len(issues)} issue(s)")
        for issue in issues:
            where = ", ".join(
                f"{k}={v}"
                for k, v in (("node", issue.node), ("edge", issue.edge), ("flow", issue.flow))
                if v
            )
            err.print(f"  [{issue.code.value}] {issue.message}" + (f"  ({where})" if where else ""))
            if issue.nodes:
                err.print(f"    nodes: {' '.join(issue.nodes)}")
        raise typer.Exit(EXIT_INVALID)
    out.print(
        f"{bundle}: valid bundle {model.version} ({len(model.graph.flows)} flow(s), "
        f"{len(model.graph.nodes)} node(s)), {content_hash(document)}"
    )


@app.command()
def sign(
    bundle: BundleArg,
    key: Annotated[Path, typer.Option("--key", help="Ed25519 private key (PEM).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write; stdout if unset.")
    ] = None,
) -> None:
    """Sign a bundle with an Ed25519 private key."""
    with _user_errors():
        document = load_document(bundle)
        parse_bundle(document)
        signed = sign_document(document, load_private_key(key))
    text = json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"signed {bundle} -> {output} (key {signed['signature']['keyId']})")


@app.command()
def verify(
    bundle: BundleArg,
    public_key: Annotated[
        list[Path],
        typer.Option("--public-key", help="Trusted Ed25519 public key (PEM); repeatable."),
    ],
) -> None:
    """Check that a bundle's signature matches its content and a trusted key."""
    with _user_errors():
        document = load_document(bundle)
        signer = verify_document(document, [load_public_key(p) for p in public_key])
    out.print(f"{bundle}: signature OK (key {key_id(signer)}), {content_hash(document)}")


@app.command()
def keygen(
    private: Annotated[
        Path, typer.Option("--private", help="Where to write the private key.")
    ] = Path("bundle-signing.key"),
    public: Annotated[Path, typer.Option("--public", help="Where to write the public key.")] = Path(
        "bundle-signing.pub"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Generate an Ed25519 key pair; the private key file is created with mode 0600."""
    for path in (private, public):
        if path.exists() and not force:
            err.print(
                f"[bold red]error:[/] {path} exists; pass --force to overwrite it", markup=True
            )
            raise typer.Exit(EXIT_INVALID)
    key = generate_key()
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_pem(key))
    os.chmod(private, 0o600)
    public.write_bytes(public_key_pem(key.public_key()))
    out.print(f"wrote {private} (0600) and {public}; key id {key_id(key.public_key())}")


@app.command()
def bundle(
    graph: Annotated[Path, typer.Argument(help="Graph JSON file (flows, nodes, edges).")],
    version: Annotated[str, typer.Option(help="Semantic version of the bundle.")],
    created_by: Annotated[str, typer.Option(help="Author recorded in the bundle.")] = "cli",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Build an unsigned bundle from a graph file."""
    with _user_errors():
        document = load_document(graph)
        try:
            model = Graph.model_validate(document)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise TraceError(f"{graph} is not a graph: {where}: {first['msg']}") from error
        built = bundle_document(
            build_bundle(model, _registry(), version=version, created_by=created_by)
        )
    text = json.dumps(built, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("compile")
def compile_command(
    bundle: BundleArg,
    show: Annotated[
        bool, typer.Option("--show", help="Print the generated Python source of each flow.")
    ] = False,
    flow: Annotated[
        str | None, typer.Option("--flow", help="Only this flow (its id).", show_default=False)
    ] = None,
) -> None:
    """Compile a bundle as the engine does at deploy; with --show, print each flow's code."""
    with _user_errors():
        model = parse_bundle(load_document(bundle))
        issues = validate_bundle(model, _registry())
        if issues:
            err.print(f"error: {bundle}: {len(issues)} issue(s), first: {issues[0].message}")
            raise typer.Exit(EXIT_INVALID)
        program = compile_bundle(model, _registry())
    flows = program.flows
    if flow is not None:
        if flow not in flows:
            err.print(f"error: no flow {flow!r}; the bundle has {', '.join(flows)}")
            raise typer.Exit(EXIT_INVALID)
        flows = {flow: flows[flow]}
    for flow_id, evaluator in flows.items():
        assert isinstance(evaluator, CompiledFlow)
        lines = evaluator.source.count("\n")
        if show:
            sys.stdout.write(f"# flow {flow_id!r}: {len(evaluator.nodes)} node(s)\n")
            sys.stdout.write(evaluator.source + "\n")
        else:
            out.print(f"flow {flow_id}: {len(evaluator.nodes)} node(s), {lines} line(s) of Python")


@app.command("simulate")
def simulate_command(
    bundle: BundleArg,
    inputs: Annotated[
        Path | None, typer.Option("--inputs", help="CSV: time, then one column per point.")
    ] = None,
    duration: Annotated[str, typer.Option(help="Simulated time, e.g. 90s, 15m, 2h.")] = "1h",
    watch: Annotated[
        list[str] | None, typer.Option(help="Also record this NODE.PORT; repeatable.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV file; stdout if unset.")
    ] = None,
) -> None:
    """Run a bundle on the virtual clock and print the output trace as CSV."""
    with _user_errors():
        model = parse_bundle(load_document(bundle))
        if inputs is None:
            trace_text = "time\n"
        else:
            try:
                trace_text = inputs.read_text(encoding="utf-8")
            except OSError as error:
                raise TraceError(f"cannot read {inputs}: {error.strerror}") from error
        trace = simulate(
            model,
            _registry(),
            parse_input_csv(trace_text),
            parse_duration(duration),
            watch=watch or (),
        )
    if output is None:
        sys.stdout.write(trace.to_csv())
    else:
        output.write_text(trace.to_csv(), encoding="utf-8")
        err.print(f"{len(trace.rows)} rows -> {output}")


@app.command()
def catalogue() -> None:
    """Print the block catalogue (every block type with its ports and parameter schema) as JSON."""
    document = _registry().catalogue().model_dump(mode="json", by_alias=True)
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


@app.command()
def docs(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; stdout if unset.")
    ] = None,
) -> None:
    """Write the block catalogue reference page (docs/blocks.md) from the registry."""
    text = render_markdown(_registry())
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def main() -> None:
    """Console-script entry point."""
    app()
