#!/usr/bin/env bash
# The whole test suite, in two pytest runs:
#   1. every test except the browser test, in parallel (pytest-xdist) when PYTEST_WORKERS > 1;
#   2. the end-to-end browser test (marker e2e), alone: it starts a live server and chromium.
# Any non-zero pytest exit fails, including 5 ("no tests collected").
# Extra pytest arguments: PYTEST_ARGS="-x -k weights" make test
set -uo pipefail
cd "$(dirname "$0")/.."

workers="${PYTEST_WORKERS:-2}"
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
