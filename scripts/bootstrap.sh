#!/usr/bin/env bash
# Make sure uv is available and the virtualenv matches uv.lock exactly.
# Used by `make run`, `make test` and .ci/run; safe to run again (uv sync is a no-op when
# nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/uv.sh
source scripts/uv.sh

echo "==> Dipendenze: uv sync --frozen ($("${UV[@]}" --version))"
"${UV[@]}" sync --frozen --quiet
