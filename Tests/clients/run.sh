#!/usr/bin/env bash
# The real-client suite of `glossa serve`: the openai client, headless Chromium through Selenium, kill -9 under
# concurrent writes. Idempotent set-up, then pytest:
#   - Debian's chromium and chromium-driver (and python3-venv where Python's ensurepip is missing), if absent;
#   - Tests/clients/.venv from requirements.txt, rebuilt only when requirements.txt or Python changes (stamp);
#   - pytest -q Tests/clients [ARGS...], with GLOSSA_BIN and GLOSSA_MODEL defaulting to the repo's build and model.
# Under CI=true a missing binary, model or browser fails the run; elsewhere those tests are skipped.
# Usage: Tests/clients/run.sh [pytest args...]      e.g. Tests/clients/run.sh -k openai -x
#        Tests/clients/run.sh Tests/clients/test_browser.py
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

apt_updated=""
apt_install() {  # install the Debian packages given that are not installed yet
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "run.sh: installing ${missing[*]}"
    if [ -z "$apt_updated" ]; then
        $SUDO apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
}

# The browser: Debian's builds, so Selenium Manager never downloads one.
apt_install chromium chromium-driver
# The image's python3 may be Debian's, whose venv needs python3-venv.
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install python3-venv
fi

# The virtual environment, rebuilt when requirements.txt or the interpreter changes.
want="$( (sha256sum "$HERE/requirements.txt" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.glossa-stamp"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "run.sh: creating $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
    echo "$want" >"$stamp"
fi

export GLOSSA_BIN="${GLOSSA_BIN:-$REPO/.build/release/glossa}"
export GLOSSA_MODEL="${GLOSSA_MODEL:-$REPO/Models/multilingual-e5-small}"
# Selenium is handed chromedriver's path; should anything still ask Selenium Manager, it stays offline.
export SE_OFFLINE=true
export PYTHONDONTWRITEBYTECODE=1

cd "$REPO"
# Paths among the arguments narrow the run (run.sh Tests/clients/test_browser.py); without any, the whole folder.
targets=("$HERE")
for argument in "$@"; do
    case "$argument" in -*) ;; *) if [ -e "$argument" ] || [ -e "${argument%%::*}" ]; then targets=(); fi ;; esac
done
exec "$VENV/bin/python" -m pytest -q "${targets[@]}" "$@"
