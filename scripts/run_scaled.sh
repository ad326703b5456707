#!/usr/bin/env bash
# make run-scaled: the scale-out profile on one machine. PostgreSQL (platform + Rasa's
# tracker store), Redis (Rasa's lock store), two platform, rasa and action-server processes
# behind nginx on the usual public ports, and the simulator (development only); Ctrl-C
# stops all.
# What runs where: deploy/scaled.py writes var/scaled/{Procfile,nginx.conf,env} from .env.
set -euo pipefail
cd "$(dirname "$0")/.."

set -a
# shellcheck disable=SC1091
source .env
set +a
for program in nginx redis-server; do
  if [ "$program" = redis-server ] && [ -n "${REDIS_HOST:-}" ]; then continue; fi
  if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
    echo "The scale-out profile needs $program: sudo apt-get install $program" >&2
    exit 1
  fi
done
mkdir -p var/scaled
if [ -z "${POSTGRES_HOST:-}" ]; then
  scripts/scaled_postgres.sh start
fi
.venv/platform/bin/python -m deploy.scaled
set -a
# shellcheck disable=SC1091
source var/scaled/env
set +a
scripts/scaled_postgres.sh databases
echo "==> platform database: migrations"
.venv/platform/bin/alembic -c platform_api/alembic.ini upgrade head
if [ "${ENVIRONMENT:-development}" != production ]; then
  .venv/platform/bin/python -m platform_api.seed
fi

cat <<MSG

  Scale-out profile (nginx in front of two of each; the processes' own ports in var/scaled/Procfile)
  Simulator (phone of a customer): http://localhost:${SIMULATOR_PORT:-8080}
  Platform (advisors):             http://localhost:${PLATFORM_PORT:-8000}
  WhatsApp webhook (public):        http://localhost:${RASA_PORT:-5005}/webhooks/whatsapp/health
  Rasa API (loopback):              http://127.0.0.1:${SCALED_RASA_INTERNAL_PORT:-5015}/status?token=<RASA_AUTH_TOKEN>
  Action server (loopback):         http://127.0.0.1:${ACTIONS_PORT:-5055}/health
  PostgreSQL ${POSTGRES_HOST}:${POSTGRES_PORT} (databases ${SCALED_PLATFORM_DB}, ${RASA_TRACKER_DB_NAME}), Redis ${REDIS_HOST}:${REDIS_PORT}
  Ctrl-C stops all.

MSG
exec .venv/platform/bin/honcho start -f var/scaled/Procfile -e .env,var/scaled/env
