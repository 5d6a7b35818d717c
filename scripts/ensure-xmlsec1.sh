#!/usr/bin/env bash
# Install Debian's xmlsec1 for SAML 2 single sign-on, when it is missing and we can.
#
# pysaml2 (through djangosaml2) signs and verifies SAML messages by running the `xmlsec1`
# program; a server with SAML configured needs it, and so do the SAML tests. Run it as often
# as you like: with xmlsec1 present it does nothing.
#
# Outside CI a machine without xmlsec1 still runs every other test: the SAML tests are then
# skipped with a reason. With CI=true a missing xmlsec1 is an error, so that CI can never pass
# without having run the SAML tests.
set -euo pipefail

if command -v xmlsec1 >/dev/null 2>&1; then
    exit 0
fi

why=""
if [[ "$(id -u)" != "0" ]]; then
    why="serve l'utente root per installarlo con apt-get (sudo apt-get install -y xmlsec1)"
elif ! command -v apt-get >/dev/null 2>&1; then
    why="apt-get non è disponibile (sistema non Debian: installa xmlsec1 con il gestore di pacchetti del sistema)"
else
    echo "==> Programma per le firme SAML 2: apt-get install -y xmlsec1"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq xmlsec1 >/dev/null; then
        if command -v xmlsec1 >/dev/null 2>&1; then
            exit 0
        fi
        why="il pacchetto è installato ma il programma xmlsec1 non si trova nel PATH"
    else
        why="apt-get install -y xmlsec1 non è riuscito (rete o repository non raggiungibili?)"
    fi
fi

if [[ "${CI:-}" == "true" ]]; then
    echo "ERRORE: xmlsec1 manca e in CI i test SAML 2 sono obbligatori: $why." >&2
    exit 1
fi
echo "ATTENZIONE: xmlsec1 non installato ($why); i test SAML 2 saranno saltati."
