#!/usr/bin/env bash
# The whole test suite, in two pytest runs:
#   1. every test except the browser test;
#   2. the end-to-end browser test (marker e2e), alone: it starts a live server and chromium.
# The suite runs in one process by default: on the 2-core CI machine pytest-xdist (-n 2) was
# not faster, because each worker migrates its own test database (docs/decisions/0002-tests.md).
# PYTEST_WORKERS=2 make test still runs the first part in parallel.
# Any non-zero pytest exit fails, including 5 ("no tests collected").
# Extra pytest arguments: PYTEST_ARGS="-x -k weights" make test
set -uo pipefail
cd "$(dirname "$0")/.."

workers="${PYTEST_WORKERS:-1}"
read -r -a extra <<<"${PYTEST_ARGS:-}"
pytest=(.venv/bin/python -m pytest)

parallel=()
if [[ "$workers" =~ ^[0-9]+$ ]] && ((workers > 1)); then
    parallel=(-n "$workers" --dist loadfile)
fi

status=0
run() {
    local label=$1
    shift
    local start=$SECONDS code
    echo "==> $label: ${*}"
    "$@"
    code=$?
    echo "==> $label: exit $code in $((SECONDS - start)) s"
    if ((code != 0)); then
        status=1
    fi
}

run "Test (unit e integrazione)" "${pytest[@]}" -m "not e2e" "${parallel[@]}" "${extra[@]}"
run "Test end-to-end (browser)" "${pytest[@]}" -m e2e -p no:xdist "${extra[@]}"
exit "$status"
