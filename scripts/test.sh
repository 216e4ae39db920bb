#!/usr/bin/env bash
# Every check and test of the project. CI runs exactly this.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

step() { printf '\n==> %s\n' "$*"; }

step "uv lock --check"
uv lock --check
step "ruff check"
uv run --frozen ruff check .
step "ruff format --check"
uv run --frozen ruff format --check .
step "mypy --strict (libraries and apps)"
uv run --frozen mypy packages/*/src apps/*/src
step "pytest"
uv run --frozen pytest "$@"
