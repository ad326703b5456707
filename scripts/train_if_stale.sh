#!/usr/bin/env bash
# Trains the Rasa model when data/ or rasa_project/ changed since the last training (or no model).
# `--force` trains anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
model="models/prosuministros.tar.gz"
stamp="models/.fingerprint"
# What training reads: data/, config.yml and the domain (not endpoints.yml, the credentials or
# data/routing.yml, which the actions and the platform read, not Rasa).
fingerprint="$(find data rasa_project -type f \( -name '*.yml' -o -name '*.yaml' \) \
  ! -name 'endpoints*.yml' ! -name 'credentials*.yml' ! -name 'routing.yml' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ "${1:-}" != "--force" ] && [ -f "$model" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ]; then
  echo "==> Rasa model is up to date ($model)"
  exit 0
fi
echo "==> training the Rasa model (about 2 minutes on 2 cores)"
export RASA_TELEMETRY_ENABLED=false
PYTHONPATH=. .venv/rasa/bin/rasa train \
  --config rasa_project/config.yml --domain rasa_project/domain --data data \
  --out models --fixed-model-name prosuministros --quiet
echo "$fingerprint" > "$stamp"
