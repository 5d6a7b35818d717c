# Sourced by the other scripts: sets the array UV to a working uv command.
# Order: uv on PATH, then `python3 -m uv` (installed now for the current user if missing).

_performa_find_uv() {
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        UV=(uv)
        return 0
    fi
    if python3 -m uv --version >/dev/null 2>&1; then
        UV=(python3 -m uv)
        return 0
    fi
    echo "==> uv non trovato: lo installo per l'utente corrente (python3 -m pip install --user uv)"
    if ! python3 -m pip install --user --quiet uv; then
        # Debian/Ubuntu mark the system Python as externally managed (PEP 668); a --user
        # install does not touch system files, so it is safe to override that guard.
        python3 -m pip install --user --quiet --break-system-packages uv
    fi
    UV=(python3 -m uv)
    "${UV[@]}" --version >/dev/null
}

_performa_find_uv
