#!/usr/bin/env bash
# Idempotent set-up: both virtualenvs, .env, database migrations. Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

py310="$(scripts/find_python310.sh)"
py3="${PYTHON3:-python3}"
if ! "$py3" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "The platform needs Python 3.11 or newer as '$py3' (set PYTHON3=/path/to/python3.11)." >&2
  exit 1
fi

scripts/make_venv.sh "$py310" .venv/rasa requirements/rasa.txt
scripts/make_venv.sh "$py3" .venv/platform requirements/platform.txt
.venv/platform/bin/python scripts/write_env.py
mkdir -p var
.venv/platform/bin/alembic -c platform_api/alembic.ini upgrade head
# Development advisors (only when there are none), in development only: elsewhere accounts
# come from `make advisor` (platform_api/advisors/cli.py). An environment variable wins over .env.
environment="${ENVIRONMENT:-$(sed -n 's/^ENVIRONMENT=//p' .env | tail -1)}"
if [[ "${environment:-development}" == development ]]; then
  .venv/platform/bin/python -m platform_api.seed
fi
