#!/usr/bin/env bash
# The process list `make run` starts: Procfile (with the simulator) in development,
# Procfile.production (no simulator: its control API signs webhooks with the real app secret)
# for any other ENVIRONMENT. Reads ENVIRONMENT from the environment (make run loads .env).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${ENVIRONMENT:-development}" == development ]]; then
  echo Procfile
else
  echo Procfile.production
fi
