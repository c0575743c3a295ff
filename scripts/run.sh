#!/usr/bin/env bash
# Start Commonplace: migrate, load the demo when the database is empty, then serve
# with granian (WSGI) and the Huey task worker, both stopped together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
CP=.venv/bin/commonplace
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WEB_WORKERS:-2}

$CP migrate --noinput
$CP collectstatic --noinput --verbosity 0
$CP demo --if-empty
$CP demo_chats
# The dashboards read nightly rollups: on a new install (or the fresh demo) count the past weeks now.
$CP insights fill --if-empty --since "$(date -u -d '56 days ago' +%F)"

$CP run_huey --quiet &
worker=$!
.venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" --workers "$WORKERS" \
  --blocking-threads 8 --backpressure 16 --no-ws --respawn-failed-workers --log-level warning config.wsgi:application &
web=$!

stop() {
  kill -TERM "$web" "$worker" 2>/dev/null || true
  for _ in $(seq 20); do
    kill -0 "$web" 2>/dev/null || kill -0 "$worker" 2>/dev/null || return 0
    sleep 0.5
  done
  # Still running after 10 s: stop them for good (and granian's worker processes with them).
  pkill -KILL -P "$web" 2>/dev/null || true
  kill -KILL "$web" "$worker" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

cat <<MSG

  Commonplace is running at http://$HOST:$PORT/
  Demo logins (password for all: ${DEMO_PASSWORD:-commonplace-demo}):
    facilitator  @george      participants  @maria  @devon  @aisha  (and more on the course page)
  Admin: http://$HOST:$PORT/admin/ as @george.  Press Ctrl-C to stop.
  New sign-ups wait for approval while no moderator has logged in for a week: log in as
  @george and approve them at http://$HOST:$PORT/accounts/sign-ups/ (SIGNUP_APPROVAL in README).

MSG
wait -n "$web" "$worker" || true
echo "One of the two processes stopped; stopping Commonplace." >&2
