"""The single-page app: the built files if there are any, a placeholder page otherwise."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BMS Designer</title></head>
<body>
<h1>BMS Designer</h1>
<p>The Designer server is running, but the editor has not been built:
no files in <code>{web_dir}</code>.</p>
<p>The API is at <a href="/docs">/docs</a>; build the editor in
<code>apps/designer/web</code> or point <code>BMS_DESIGNER_WEB_DIR</code> at its build.</p>
</body></html>
"""


def mount_web(app: FastAPI, web_dir: Path) -> None:
    """Serve ``web_dir`` at ``/`` (after every API route), or the placeholder page."""
    if (web_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
        return

    page = PLACEHOLDER.format(web_dir=web_dir)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def placeholder() -> HTMLResponse:
        return HTMLResponse(page)
