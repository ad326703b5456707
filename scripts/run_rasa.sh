#!/usr/bin/env bash
# Starts Rasa's server with the whatsapp channel (Procfile, make run). RASA_AUTH_TOKEN, when
# set, protects Rasa's HTTP API (the platform then sends it); note that /status then needs
# ?token= too, so the health check of DESIGN.md expects it unset on a private interface.
set -euo pipefail
auth=()
if [[ -n "${RASA_AUTH_TOKEN:-}" ]]; then
  auth=(--auth-token "$RASA_AUTH_TOKEN")
fi
export PYTHONPATH=. PYTHONWARNINGS=ignore
exec .venv/rasa/bin/rasa run --enable-api "${auth[@]}" \
  --interface "${BIND_HOST:-127.0.0.1}" --port "${RASA_PORT:-5005}" \
  --model models/prosuministros.tar.gz --endpoints rasa_project/endpoints.yml \
  --credentials rasa_project/credentials.yml
