#!/usr/bin/env bash
# Installs the interop test's independent BACnet client from package-lock.json.
# Called by the interop test itself (and may be called by CI ahead of it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v npm >/dev/null 2>&1; then
  echo "interop: npm not found; the interop test will be skipped" >&2
  exit 0
fi
if [ ! -d node_modules/@bacnet-js/client ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
