"""``headless-engine``: run the engine, and talk to a running one.

``start`` runs the engine in the foreground. The other commands call a
running engine's API with the token from its state directory (or ``--token``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bms_service.lean_imports import skip_httpx_cli

skip_httpx_cli()  # before httpx is imported: 'start' runs the engine in this process

import httpx  # noqa: E402

from headless_engine.logs import LOG_FILE, configure_logging  # noqa: E402
from headless_engine.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="headless-engine",
    help="The BMS supervisor's headless engine: the one executor of flows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cache
def _console(stderr: bool) -> Console:
    """rich, loaded by the commands that print: not by 'start', whose process is the engine
    (rich and pygments are ~3 MB of RSS that it would keep for its whole life)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False)


def out() -> Console:
    return _console(False)


def err() -> Console:
    return _console(True)


StateDir = Annotated[
    Path,
    typer.Option(
        "--state-dir", envvar="BMS_ENGINE_STATE_DIR", help="The engine's state directory."
    ),
]
Url = Annotated[str, typer.Option("--url", envvar="BMS_ENGINE_URL", help="The engine's API.")]
Token = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="BMS_ENGINE_TOKEN", help="API token; read from the state dir if unset."
    ),
]
DEFAULT_URL = "http://127.0.0.1:8081"
DEFAULT_STATE = Path("var/engine")


class CliError(Exception):
    """A user-facing failure: one line, non-zero exit."""


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except CliError as error:
        err().print(f"error: {error}", style="bold red")
        raise typer.Exit(1) from None
    except httpx.TransportError as error:
        err().print(f"error: the engine does not answer ({error})", style="bold red")
        raise typer.Exit(2) from None


def _client(url: str, token: str | None, state_dir: Path) -> httpx.Client:
    if token is None:
        path = state_dir / "token"
        try:
            token = path.read_text().strip()
        except OSError as error:
            raise CliError(
                f"no token: pass --token or point --state-dir at the engine's ({error})"
            ) from error
    return httpx.Client(
        base_url=url,
        headers={
            "authorization": f"Bearer {token}",
            "x-caller": f"cli:{os.getenv('USER', 'unknown')}",
        },
        timeout=30,
    )


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if response.status_code >= 400:
        try:
            body = response.json()
            message = body.get("message", response.text)
            issues = (
                (body.get("details") or {}).get("issues")
                if isinstance(body.get("details"), dict)
                else None
            )
        except ValueError:
            message, issues = response.text, None
        lines = [f"{response.status_code} {message}"]
        lines += [f"  [{i['code']}] {i['message']}" for i in issues or []]
        raise CliError("\n".join(lines))
    return response.json()


def start_settings(
    state_dir: Path,
    *,
    iot_url: str | None = None,
    iot_token_file: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    trusted_keys: list[Path] | None = None,
    allow_unsigned: bool = False,
) -> Settings:
    """The engine's settings from ``start``'s options over the ``BMS_ENGINE_*`` environment.

    Only the options given on the command line are passed on: one passed as None (or as
    its default) would override the environment, and e.g. ``BMS_ENGINE_IOT_TOKEN_FILE``
    would be ignored.
    """
    given: dict[str, Any] = {
        "iot_url": iot_url,
        "iot_token_file": iot_token_file,
        "host": host,
        "port": port,
        "trusted_keys": trusted_keys or None,
        "allow_unsigned": allow_unsigned or None,
    }
    return Settings(state_dir=state_dir, **{k: v for k, v in given.items() if v is not None})


@app.command()
def start(
    state_dir: StateDir = DEFAULT_STATE,
    iot_url: Annotated[
        str | None,
        typer.Option(help="The IoT service's URL.", show_default="http://127.0.0.1:8080"),
    ] = None,
    iot_token_file: Annotated[
        Path | None, typer.Option(help="File with the IoT service's token.")
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to bind (loopback by default).", show_default="127.0.0.1"),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.", show_default="8081")] = None,
    trusted_key: Annotated[
        list[Path] | None, typer.Option(help="Trusted public key (PEM); repeatable.")
    ] = None,
    allow_unsigned: Annotated[
        bool, typer.Option(help="Accept unsigned bundles (development only).")
    ] = False,
) -> None:
    """Run the engine in the foreground (Ctrl-C stops it cleanly).

    Every option not given comes from the environment (``BMS_ENGINE_IOT_URL``,
    ``BMS_ENGINE_IOT_TOKEN_FILE``, ...), then from the defaults.
    """
    import uvicorn

    from headless_engine.app import create_app

    settings = start_settings(
        state_dir, iot_url=iot_url, iot_token_file=iot_token_file, host=host, port=port,
        trusted_keys=trusted_key, allow_unsigned=allow_unsigned,
    )  # fmt: skip
    configure_logging(state_dir / "logs")
    # a stream client (the Designer) must never hold shutdown, which relinquishes the points
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=5)  # fmt: skip


@app.command()
def deploy(
    bundle: Annotated[Path, typer.Argument(help="Signed bundle JSON file.")],
    url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE,
) -> None:  # fmt: skip
    """Deploy a bundle to a running engine."""
    with _user_errors():
        try:
            document = json.loads(bundle.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CliError(f"cannot read {bundle}: {error}") from error
        with _client(url, token, state_dir) as client:
            result = _call(client, "POST", "/engine/deploy", json={"bundle": document})
    out().print(f"deployed {result['version']} ({result['hash']}), {result['status']}; "
              f"state kept for {result['restoredNodes']} node(s)")  # fmt: skip


@app.command()
def status(
    url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE
) -> None:
    """Show the active version, the flows' scheduler figures and the IoT link."""
    with _user_errors(), _client(url, token, state_dir) as client:
        s = _call(client, "GET", "/engine/status")
    out().print(f"state: {s['state']}   version: {s['version']}   hash: {s['hash']}")
    out().print(f"activated: {s['activatedAt']} by {s['activatedBy']}")
    iot = s["iot"]
    out().print(
        f"IoT service {iot['url']}: {'connected' if iot['connected'] else 'UNREACHABLE'}; "
        f"pending writes {iot['pendingWrites']}, sent {iot['writesSent']}, refused {iot['writesRefused']}"
    )
    from rich.table import Table

    table = Table(title="flows")
    for column in (
        "flow",
        "period",
        "ticks",
        "overruns",
        "missed",
        "last ms",
        "max late ms",
        "last run",
    ):
        table.add_column(column, justify="right" if column != "flow" else "left")
    for f in s["flows"]:
        table.add_row(
            f["id"], f"{f['periodMs']} ms", str(f["ticks"]), str(f["overruns"]), str(f["missed"]),
            f"{f['lastDurationMs']:.2f}", f"{f['maxLatenessMs']:.2f}", str(f["lastRun"] or "-"),
        )  # fmt: skip
    out().print(table)
    for node, message in s["faults"].items():
        out().print(f"fault: {node}: {message}")


@app.command()
def stop(url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE) -> None:
    """Stop running flows (their outputs relinquish as configured)."""
    with _user_errors(), _client(url, token, state_dir) as client:
        s = _call(client, "POST", "/engine/stop")
    out().print(f"{s['version']}: {s['state']}")


@app.command()
def resume(
    url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE
) -> None:
    """Run the active bundle again after a stop."""
    with _user_errors(), _client(url, token, state_dir) as client:
        s = _call(client, "POST", "/engine/start")
    out().print(f"{s['version']}: {s['state']}")


@app.command()
def reload(
    url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE
) -> None:
    """Load the active bundle again from the engine's disk, keeping block state."""
    with _user_errors(), _client(url, token, state_dir) as client:
        result = _call(client, "POST", "/engine/reload")
    out().print(f"reloaded {result['version']} ({result['hash']}), {result['status']}; "
              f"state kept for {result['restoredNodes']} node(s)")  # fmt: skip


@app.command()
def rollback(
    version: Annotated[str, typer.Argument(help="A version deployed before.")],
    url: Url = DEFAULT_URL, token: Token = None, state_dir: StateDir = DEFAULT_STATE,
    project: Annotated[
        str | None,
        typer.Option(help="Whose version (a project id); default: the active project's."),
    ] = None,
    allow_other_project: Annotated[
        bool, typer.Option(help="Roll back to another project's version than the active one.")
    ] = False,
) -> None:  # fmt: skip
    """Make an earlier version active again."""
    body: dict[str, Any] = {"version": version, "allowOtherProject": allow_other_project}
    if project is not None:
        body["projectId"] = project
    with _user_errors(), _client(url, token, state_dir) as client:
        result = _call(client, "POST", "/engine/rollback", json=body)
    out().print(f"rolled back to {result['version']} ({result['hash']}), {result['status']}")


@app.command()
def logs(
    state_dir: StateDir = DEFAULT_STATE,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many of the last lines.")] = 50,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
) -> None:
    """Print the engine's structured log (JSON lines)."""
    path = state_dir / "logs" / LOG_FILE
    with _user_errors():
        try:
            handle = path.open(encoding="utf-8")
        except OSError as error:
            raise CliError(f"no log at {path}: {error.strerror}") from error
        with handle:
            for line in handle.readlines()[-lines:]:
                sys.stdout.write(line)
            while follow:
                line = handle.readline()
                if line:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                else:
                    time.sleep(0.5)


def main() -> None:
    app()
