"""``designer``: run the Designer server, or write its OpenAPI document."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from bms_service.lean_imports import skip_httpx_cli

skip_httpx_cli()  # before designer.settings (or anything) imports httpx

from designer.settings import Settings  # noqa: E402

app = typer.Typer(
    name="designer",
    help="The BMS Designer server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 3000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory.")] = None,
) -> None:
    """Run the server in the foreground (settings from BMS_DESIGNER_* variables)."""
    import uvicorn

    from designer.app import create_app

    overrides: dict[str, Any] = {
        k: v for k, v in {"host": host, "port": port, "data_dir": data_dir}.items() if v is not None
    }
    settings = Settings(**overrides)
    # No WebSocket route (the live streams are server-sent events): ws="none" keeps uvicorn
    # from loading the websockets library for nothing.
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level="info", ws="none"
    )


@app.command()
def migrate(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory.")] = None,
) -> None:
    """Bring the database to the newest schema (serve does it too, when it has to).

    Run before an upgraded server starts, the server then never loads alembic (10 MB).
    """
    from designer.db import make_engine
    from designer.db import migrate as run_migrations

    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir is not None else {}
    settings = Settings(**overrides)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    try:
        run_migrations(engine)
    finally:
        engine.dispose()


def openapi_document() -> str:
    """The OpenAPI document, as committed in ``apps/designer/openapi.json``."""
    from designer.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), admin_password="openapi", web_dir=Path(tmp) / "web",
            engine_token_file=None, iot_token_file=None,
        )  # fmt: skip
        document = create_app(settings).openapi()
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option("-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) the OpenAPI document."""
    text = openapi_document()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def main() -> None:
    app()
