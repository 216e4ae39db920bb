#!/usr/bin/env bash
# Starts the whole system on its built-in simulated building: the IoT service (with
# simulated BACnet devices on loopback), the engine and the Designer, each once the one
# before is ready; restarts any that dies; Ctrl-C stops all three cleanly.
# Installs what is missing first (uv, the Python workspace, the Designer UI build).
# Options go to `bms-stack up` (e.g. --data-dir, --designer-port, --admin-password).
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

WEB="$ROOT/apps/designer/web"
if [ -f "$WEB/package.json" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "start: npm not found; the Designer serves a placeholder page instead of the editor" >&2
  elif [ ! -f "$WEB/dist/index.html" ] || \
       [ -n "$(find "$WEB/src" "$WEB/index.html" "$WEB/package-lock.json" -newer "$WEB/dist/index.html" -print -quit 2>/dev/null)" ]; then
    echo "start: building the Designer UI" >&2
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error && npm run build)
  fi
fi
exec uv run --frozen bms-stack up "$@"
