"""``iot-supervisor``: run the service or the simulator, and talk to a running service.

The client commands (discover, read, write, release, watch) go through the
service's HTTP API like any other client: the service stays the one owner of
BACnet. They take the URL and token from ``--url``/``--token`` or the same
``BMS_IOT_`` settings as the service.

httpx, rich and the simulator are imported by the commands that use them, not here:
``serve`` is a long-running process that needs none of them (httpx alone brings its own
command line, rich, pygments and click: about 4 MB of the service's resident memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iot_supervisor.auth import load_or_create_token
from iot_supervisor.settings import Settings

if TYPE_CHECKING:
    import httpx
    from rich.console import Console

cli = typer.Typer(
    help="IoT Supervisor Service: BACnet/IP for the BMS supervisor.", no_args_is_help=True
)


@functools.cache
def _console() -> Console:
    from rich.console import Console

    return Console()


def escape(text: str) -> str:
    """Text printed as is, not read as rich markup ('[null, ...]' must print whole)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


Url = Annotated[str | None, typer.Option(help="Service URL; default from BMS_IOT_HTTP_HOST/PORT.")]
Token = Annotated[
    str | None, typer.Option(help="Bearer token; default from settings or the data dir.")
]


@cli.command()
def serve(
    simulate: Annotated[
        Path | None, typer.Option(help="Also run the simulator from this YAML/JSON file.")
    ] = None,
) -> None:
    """Run the HTTP service (and optionally the simulator in the same process)."""
    from iot_supervisor.app import create_app
    from iot_supervisor.serving import serve as serve_app

    settings = Settings() if simulate is None else Settings(simulate=simulate)
    app = create_app(settings)
    typer.echo(
        f"{typer.style('IoT Supervisor', bold=True)} on "
        f"http://{settings.http_host}:{settings.http_port}"
    )
    typer.echo(
        f"token file: {settings.token_path}" if settings.token is None else "token: from settings"
    )
    serve_app(app, settings.http_host, settings.http_port, graceful_s=settings.shutdown_grace_s)


@cli.command()
def simulate(
    config: Annotated[Path | None, typer.Argument(help="Simulator YAML/JSON file.")] = None,
    grid: Annotated[
        str | None, typer.Option(help="Instead of a file: DEVICESxPOINTS, e.g. 3x34.")
    ] = None,
    ip_prefix: Annotated[str, typer.Option(help="First three octets for --grid.")] = "127.0.10.",
    port: Annotated[int, typer.Option(help="UDP port of the --grid devices.")] = 47808,
    speed: Annotated[
        float | None, typer.Option(help="Building seconds per real second of the file's plant.")
    ] = None,
) -> None:
    """Run simulated BACnet/IP devices until interrupted."""
    from rich.table import Table

    from iot_supervisor.simulator import Simulator, SimulatorConfig

    if config is not None:
        sim_config = SimulatorConfig.load(config)
        if speed is not None:
            if sim_config.plant is None:
                raise typer.BadParameter("--speed needs a file with a plant model")
            data = sim_config.model_dump(by_alias=True)
            data["plant"]["speed"] = speed
            try:
                sim_config = SimulatorConfig.model_validate(data)
            except ValueError as err:
                raise typer.BadParameter(f"--speed {speed}: {err}") from err
    elif grid is not None:
        devices, _, points = grid.partition("x")
        sim_config = SimulatorConfig.grid(
            devices=int(devices), points_per_device=int(points), ip_prefix=ip_prefix, port=port
        )
    else:
        raise typer.BadParameter("give a config file or --grid")

    async def run() -> None:
        # SIGINT and SIGTERM both stop it cleanly. A shell starts a background job with
        # SIGINT ignored, so Python's KeyboardInterrupt would never come: handle it here.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with Simulator(sim_config):
            table = Table("device", "address", "objects", "quirks")
            for device in sim_config.devices:
                table.add_row(
                    str(device.instance),
                    device.address,
                    str(len(device.objects)),
                    escape(", ".join(device.quirks)),
                )
            _console().print(table)
            await stop.wait()
        _console().print("simulator stopped")

    asyncio.run(run())


def _client(url: str | None, token: str | None) -> httpx.Client:
    import httpx

    settings = Settings()
    base = url or f"http://{settings.http_host}:{settings.http_port}"
    return httpx.Client(
        base_url=base,
        headers={"Authorization": f"Bearer {token or load_or_create_token(settings)}"},
        timeout=60,
    )


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
            message = f"{body['code']}: {body['message']}"
        except (ValueError, KeyError, TypeError):
            message = response.text
        _console().print(f"[red]{response.status_code}[/] {message}")
        raise typer.Exit(1)
    return response.json() if response.content else None


@cli.command()
def discover(url: Url = None, token: Token = None) -> None:
    """Run discovery on the service and list the devices found."""
    from rich.table import Column, Table

    with _client(url, token) as http:
        result = _check(http.post("/discover", json={}))
    table = Table("instance", "name", Column("address", overflow="fold"), "points", "status")
    for d in result["devices"]:
        table.add_row(
            str(d["instance"]),
            escape(d["name"] or ""),
            d["address"],
            str(d["pointCount"]),
            d["status"],
        )
    _console().print(table)
    _console().print(f"{len(result['devices'])} devices in {result['durationMs']:.0f} ms")


@cli.command()
def read(
    points: Annotated[list[str], typer.Argument(help="Point references.")],
    url: Url = None,
    token: Token = None,
) -> None:
    """Read points, e.g. ``iot-supervisor read 1001/analog-value,2/present-value``."""
    from rich.table import Column, Table

    with _client(url, token) as http:
        result = _check(http.post("/points/read", json={"points": points}))
    # Folded, not cut with an ellipsis: a point reference or an error is read whole.
    table = Table(
        Column("point", overflow="fold"),
        "value",
        "unit",
        "quality",
        Column("error", overflow="fold"),
    )
    arrays: list[tuple[str, str]] = []
    for r in result["results"]:
        v = r["value"]
        shown = _shown(v["value"])
        if shown.startswith("["):
            # An array (a priority array) does not fit a cell: it is printed whole below.
            arrays.append((r["point"], shown))
            shown = f"array of {len(json.loads(shown))}, below"
        # Values and errors are data, not markup: '[null, ...]' must print as is.
        table.add_row(
            escape(r["point"]),
            escape(shown),
            escape(r["unitSymbol"] or ""),
            v["quality"],
            escape(r["error"] or ""),
        )
    _console().print(table)
    for point, shown in arrays:
        _console().print(escape(f"{point} = {shown}"), soft_wrap=True)


def _shown(value: Any) -> str:
    """A value as the user reads it: arrays (sent as JSON text) as arrays, strings quoted."""
    if isinstance(value, str) and value.startswith("["):
        with contextlib.suppress(ValueError):
            return json.dumps(json.loads(value))
    return repr(value) if isinstance(value, str) else json.dumps(value)


def _write(point: str, value: Any, priority: int, url: str | None, token: str | None) -> None:
    body = {"writes": [{"point": point, "value": value, "priority": priority}]}
    with _client(url, token) as http:
        [result] = _check(http.post("/points/write", json=body))["results"]
    if not result["ok"]:
        _console().print(f"[red]failed[/] {result['error']}")
        raise typer.Exit(1)
    array = result["priorityArray"]
    _console().print(
        escape(
            f"{point} @ {priority}: present value now {_shown(result['presentValue'])}"
            + (f" (priority array {json.dumps(array)})" if array else "")
        )
    )


@cli.command()
def write(
    point: str,
    value: Annotated[str, typer.Argument(help="A number, true/false, a state text or a string.")],
    priority: Annotated[int, typer.Option(help="BACnet priority 1-16.")] = 8,
    url: Url = None,
    token: Token = None,
) -> None:
    """Write a value at a priority."""
    parsed: Any
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    _write(point, parsed, priority, url, token)


@cli.command()
def release(
    point: str,
    priority: Annotated[int, typer.Option(help="The priority to relinquish.")] = 8,
    url: Url = None,
    token: Token = None,
) -> None:
    """Relinquish a point at a priority (write null there)."""
    _write(point, None, priority, url, token)


@cli.command()
def hold(
    point: str,
    value: Annotated[
        str, typer.Argument(help="The value to hold: a number, true/false; 'release' ends it.")
    ],
    url: Url = None,
    token: Token = None,
) -> None:
    """Hold a simulated object's value over the simulation (a service run with --simulate).

    ``iot-supervisor hold 2101/analog-input,1 35`` puts the demo's zone 1 at 35 °C at once (its
    comfort alarm follows after 30 s); ``iot-supervisor hold 2101/analog-input,1 release``
    hands it back to the building's physics.
    """
    parsed: Any = None
    if value != "release":
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
    with _client(url, token) as http:
        holds = _check(http.put("/simulator/holds", json={"point": point, "value": parsed}))
    if not holds["holds"]:
        _console().print("no value held: the simulation drives every object")
    for h in holds["holds"]:
        _console().print(escape(f"{h['point']} held at {_shown(h['value'])}"))


@cli.command()
def watch(
    points: Annotated[list[str], typer.Argument(help="Point references.")],
    url: Url = None,
    token: Token = None,
) -> None:
    """Subscribe to points and print their changes live until interrupted."""
    with _client(url, token) as http:
        sub = _check(http.post("/subscriptions", json={"points": points}))["id"]
        try:
            with http.stream(
                "GET", "/stream", params={"subscription": sub}, timeout=None
            ) as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        event = json.loads(line.removeprefix("data: "))
                        v = event["value"]
                        _console().print(
                            f"{v['timestamp']}  {escape(event['point'])}  "
                            f"[bold]{escape(_shown(v['value']))}[/] "
                            f"{escape(v['units'] or '')}  {v['quality']}  ({event['source']})"
                        )
        except KeyboardInterrupt:
            pass
        finally:
            http.delete(f"/subscriptions/{sub}")


def main() -> None:
    cli()
