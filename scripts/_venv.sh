# Sourced by scripts/serve and scripts/test: make sure .venv exists with mock-iovox installed.
# $1 = pip extras ("" or "dev"). Versions come from constraints.txt (refresh it with scripts/lock).
# Re-installs only when pyproject.toml or constraints.txt changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MOCK_IOVOX_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
extras="${1:-}"

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "mock-iovox needs Python 3.11 or newer as '$PY' (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing Debian's python3-venv ..." >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv "$VENV"
    else
      echo "cannot create a virtualenv: install python3-venv (Debian/Ubuntu) and try again" >&2
      exit 1
    fi
  fi
fi
stamp="$VENV/.installed-$extras"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] || [ "$ROOT/constraints.txt" -nt "$stamp" ]; then
  spec="$ROOT"
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  echo "installing mock-iovox${extras:+[$extras]} into $VENV (log: $VENV/pip.log) ..." >&2
  lock=(-c "$ROOT/constraints.txt")
  if ! { "$VENV/bin/python" -m pip install "${lock[@]}" --upgrade pip \
      && "$VENV/bin/python" -m pip install "${lock[@]}" -e "$spec"; } \
      >"$VENV/pip.log" 2>&1; then
    tail -n 30 "$VENV/pip.log" >&2
    echo "pip install failed; full log: $VENV/pip.log" >&2
    exit 1
  fi
  touch "$stamp"
fi
