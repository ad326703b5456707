#!/usr/bin/env bash
# Starts Rasa's server with the whatsapp channel: the Procfile, the end-to-end tests and the
# scale-out profile all run this. Its HTTP API always needs RASA_AUTH_TOKEN (make setup
# writes one into .env; GET /status?token=...); the WhatsApp webhook and its health do not.
# RASA_PORT, BIND_HOST, RASA_ENDPOINTS and RASA_MODEL say where and what; RASA_REST_CHANNEL=true
# adds Rasa's `rest` channel (off by default: it talks to the bot with no credential).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${RASA_AUTH_TOKEN:-}" ]]; then
  echo "run_rasa.sh: RASA_AUTH_TOKEN is empty; run \`make setup\` (it writes one into .env)" >&2
  exit 2
fi
credentials=rasa_project/credentials.yml
if [[ "${RASA_REST_CHANNEL:-false}" == true ]]; then
  credentials=rasa_project/credentials-with-rest.yml
fi
# Sanic's limit for every route (its default is 100 MB); the webhook has its own, lower one.
export SANIC_REQUEST_MAX_SIZE="${RASA_REQUEST_MAX_BYTES:-8388608}"
export PYTHONPATH=. PYTHONWARNINGS=ignore
exec .venv/rasa/bin/rasa run --enable-api --auth-token "$RASA_AUTH_TOKEN" \
  --interface "${BIND_HOST:-127.0.0.1}" --port "${RASA_PORT:-5005}" \
  --model "${RASA_MODEL:-models/prosuministros.tar.gz}" \
  --endpoints "${RASA_ENDPOINTS:-rasa_project/endpoints.yml}" --credentials "$credentials"
