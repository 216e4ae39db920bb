#!/usr/bin/env bash
# Every check and test of the project. CI runs exactly this.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$ROOT/scripts/system-packages.sh"

step() { printf '\n==> %s\n' "$*"; }
WEB="$ROOT/apps/designer/web"

step "uv lock --check"
uv lock --check
step "ruff check"
uv run --frozen ruff check .
step "ruff format --check"
uv run --frozen ruff format --check .
step "mypy --strict (libraries and apps)"
uv run --frozen mypy packages/*/src apps/*/src

step "system packages (Chromium, PostgreSQL)"
install_system_packages

step "Designer UI: npm ci, tsc --noEmit, Vitest, build"
(cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error && npm run typecheck && npm test && npm run build)

step "pytest"
uv run --frozen pytest "$@"

step "Designer UI end to end (Playwright in Debian Chromium)"
if [ -x /usr/bin/chromium ]; then
  (cd "$WEB" && npm run e2e)
else
  echo "skipped: /usr/bin/chromium is not installed (see scripts/system-packages.sh)"
fi
