#!/usr/bin/env bash
# `make run`: install, migrate the SQLite database, load the demo enti, then serve Performa on
# http://127.0.0.1:8000 with the background-task worker alongside. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

py=.venv/bin/python
echo "==> Database: migrate"
"$py" manage.py migrate --noinput
echo "==> Dati dimostrativi: load_demo"
"$py" manage.py load_demo

echo "==> Worker delle attività in background: db_worker"
# The worker exits after 20 tasks and the loop starts a new one, so the memory a long PDF
# took goes back to the system. Without job control a background job ignores Ctrl-C, so the
# trap stops the loop and its current worker explicitly.
(
    while true; do
        "$py" manage.py db_worker --no-reload --interval 2 --max-tasks 20 || sleep 2
    done
) &
worker_pid=$!
stop_worker() {
    if kill -0 "$worker_pid" 2>/dev/null; then
        pkill -P "$worker_pid" 2>/dev/null || true
        kill "$worker_pid" 2>/dev/null || true
        wait "$worker_pid" 2>/dev/null || true
    fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Performa: http://127.0.0.1:8000/  (Ctrl-C per fermare)"
"$py" manage.py runserver 127.0.0.1:8000
