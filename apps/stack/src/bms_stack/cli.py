"""``bms-stack up``: the whole system on one machine, on the simulated demo building."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from bms_stack.demo import DesignerClient, admin_password, provision_demo
from bms_stack.demo_project import demo_graph, demo_points
from bms_stack.services import ServiceSpec
from bms_stack.stack import Stack, StackConfig, load_settings, trust_designer_key

app = typer.Typer(
    name="bms-stack",
    help="Run the BMS supervisor (IoT service, engine, Designer) on a simulated building.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts show YAML and address syntax ("ip[/prefix][:port]"), which rich would read
    # as markup tags and fail on: `bms-stack up --help` crashed with a MarkupError.
    rich_markup_mode=None,
)

DEFAULT_SIMULATOR = Path("apps/iot-supervisor-app/examples/demo-building.yaml")
DEFAULT_PROTOCOLS = Path("apps/iot-supervisor-app/examples/demo-modbus.yaml")


@app.callback()
def _commands() -> None:
    """Run the BMS supervisor (IoT service, engine, Designer) on a simulated building."""


@app.command()
def up(
    data_dir: Annotated[
        Path, typer.Option(help="Where the three services keep their data.")
    ] = Path("var"),
    simulator: Annotated[Path, typer.Option(help="Simulated building (YAML).")] = DEFAULT_SIMULATOR,
    iot_port: Annotated[int, typer.Option(help="IoT service port.")] = 8080,
    engine_port: Annotated[int, typer.Option(help="Engine port.")] = 8081,
    designer_port: Annotated[int, typer.Option(help="Designer port.")] = 3000,
    web_dir: Annotated[Path, typer.Option(help="The built Designer UI.")] = Path(
        "apps/designer/web/dist"
    ),
    admin_password_: Annotated[
        str | None, typer.Option("--admin-password", help="Admin password on first start.")
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="Create and deploy the demo project on first start.")
    ] = True,
    mqtt: Annotated[
        bool,
        typer.Option(
            help="Start Mosquitto on 127.0.0.1 and publish telemetry to it (docs/mqtt.md)."
        ),
    ] = False,
    mqtt_port: Annotated[int, typer.Option(help="The broker's port with --mqtt.")] = 1883,
    modbus: Annotated[
        bool,
        typer.Option(help="Add the simulated Modbus meter and VFD (examples/demo-modbus.yaml)."),
    ] = True,
    protocols: Annotated[
        Path, typer.Option(help="The Modbus devices with --modbus (YAML, docs/modbus.md).")
    ] = DEFAULT_PROTOCOLS,
    settings: Annotated[
        Path | None,
        typer.Option(
            help="Settings per service, YAML: {iot: {bacnet_address: ..., targets: [...]}, "
            "engine: {...}, designer: {...}}. Over BMS_IOT_/BMS_ENGINE_/BMS_DESIGNER_ variables, "
            "which pass through too."
        ),
    ] = None,
    bacnet_address: Annotated[
        str | None,
        typer.Option(help="The IoT service's own BACnet/IP ip[/prefix][:port] (over --settings)."),
    ] = None,
) -> None:
    """Start IoT service -> engine -> Designer, keep them running, stop them on Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per readiness poll
    log = logging.getLogger("bms_stack")
    if not simulator.exists():
        typer.echo(f"error: no simulator file at {simulator}", err=True)
        raise typer.Exit(1)
    if modbus and not protocols.exists():
        typer.echo(f"error: no Modbus devices file at {protocols}", err=True)
        raise typer.Exit(1)
    try:
        per_service = load_settings(settings) if settings is not None else {}
    except (OSError, ValueError) as err:
        typer.echo(f"error: --settings: {err}", err=True)
        raise typer.Exit(1) from None
    if bacnet_address is not None:
        per_service["iot"] = {**per_service.get("iot", {}), "bacnet_address": bacnet_address}
    data_dir.mkdir(parents=True, exist_ok=True)
    config = StackConfig(
        data_dir=data_dir.resolve(), simulator=simulator.resolve(), iot_port=iot_port,
        protocols=protocols.resolve() if modbus else None,
        mqtt_port=mqtt_port if mqtt else None,
        engine_port=engine_port, designer_port=designer_port, web_dir=web_dir.resolve(),
        admin_password=admin_password_, settings=per_service, environ=dict(os.environ),
    )  # fmt: skip
    stack = Stack(config)
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        log.info("%s received: stopping the stack", signal.Signals(signum).name)
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def after_ready(spec: ServiceSpec) -> None:
        if spec.name == "designer":
            trust_designer_key(config)

    try:
        stack.start(after_ready)
        password = admin_password(config.data_dir, config.admin_password)
        if demo:
            designer = DesignerClient(config.designer_url, "admin", password)
            try:
                points = demo_points(modbus_vfd=9002 if modbus else None)
                provision_demo(designer, lambda: demo_graph(points))
            finally:
                designer.close()
        print(
            f"\nBMS supervisor is running.\n  Designer:  {config.designer_url}\n"
            f"  user: admin   password: {password}\n"
            f"  engine:    {config.engine_url}   IoT service: {config.iot_url}\n"
            f"  logs:      {config.data_dir / 'logs'}\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        stack.supervise(lambda: stopping)
    except RuntimeError as err:
        log.error("%s", err)
        stack.shutdown()
        sys.exit(1)
    stack.shutdown()


def main() -> None:
    app()
