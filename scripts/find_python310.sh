#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter for the Rasa side (Rasa 3.6 runs on 3.8–3.10 only).
# Order: $PYTHON310, python3.10 on PATH, pyenv's versions folder.
set -euo pipefail

is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

if [ -n "${PYTHON310:-}" ]; then
  if is_310 "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
  echo "PYTHON310=$PYTHON310 is not a working Python 3.10 interpreter." >&2
  exit 1
fi
if command -v python3.10 >/dev/null 2>&1 && is_310 "$(command -v python3.10)"; then
  command -v python3.10; exit 0
fi
pyenv_root="${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}"
for candidate in $(ls -d "$pyenv_root"/versions/3.10.* 2>/dev/null | sort -V -r); do
  if is_310 "$candidate/bin/python"; then echo "$candidate/bin/python"; exit 0; fi
done
cat >&2 <<'MSG'
Python 3.10 was not found, and the Rasa side needs it (Rasa 3.6 supports Python 3.8–3.10 only).
Install it with one of:
  uv python install 3.10        (then: PYTHON310=$(uv python find 3.10) make setup)
  pyenv install 3.10
  apt-get install python3.10 python3.10-venv   (where your distribution ships it)
or point PYTHON310 at an existing interpreter: PYTHON310=/path/to/python3.10 make setup
MSG
exit 1
