#!/usr/bin/env bash
# Every check: lint, types, layers, then the whole test suite (browser journeys included)
# on SQLite, and again on PostgreSQL when DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin

bash scripts/ensure-chromium.sh

echo "==> ruff, import-linter, mypy" >&2
$V/ruff check .
$V/ruff format --check .
$V/lint-imports --no-cache
$V/mypy .

pg_url=${DATABASE_URL:-}
echo "==> tests on SQLite" >&2
env -u DATABASE_URL $V/pytest "$@"
if [ -n "$pg_url" ]; then
  echo "==> tests on $(echo "$pg_url" | sed -E 's#//[^@]*@#//#')" >&2
  DATABASE_URL="$pg_url" $V/pytest "$@"
fi
