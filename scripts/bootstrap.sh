#!/usr/bin/env bash
# Set up Commonplace: find Python 3.13 and uv, then create .venv from uv.lock.
# Quick when nothing changed (uv sync is a no-op on an up-to-date venv).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

is_py313() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }

find_python() {
  local c
  for c in "${COMMONPLACE_PYTHON:-}" "$(command -v python3.13 || true)"; do
    if is_py313 "$c"; then echo "$c"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.|$)' | sort -V -r); do
      prefix=$(pyenv prefix "$v" 2>/dev/null || true)
      if is_py313 "$prefix/bin/python3.13"; then echo "$prefix/bin/python3.13"; return 0; fi
    done
  fi
  for c in "$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/bin/python3.13 /usr/local/bin/python3.13; do
    if is_py313 "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  for c in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv"; do
    if [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

UV=$(find_uv || true)
if [ -z "$UV" ]; then
  say "Installing uv (the package manager) from PyPI"
  py=$(command -v python3 || command -v python)
  "$py" -m pip install --quiet --user uv 2>/dev/null || "$py" -m pip install --quiet uv
  UV=$(find_uv || true)
  [ -n "$UV" ] || UV="$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv"
fi

PY=$(find_python || true)
if [ -n "$PY" ]; then
  export UV_PYTHON_DOWNLOADS=never
  PYARG=(--python "$PY")
else
  say "No local Python 3.13 found; asking uv to provide one"
  PYARG=(--python 3.13)
fi

"$UV" sync --frozen --quiet "${PYARG[@]}"
