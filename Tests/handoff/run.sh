#!/usr/bin/env bash
# The hand-off suite: a Glossa collection exported and served by Milvus (the real server from PyPI `milvus`,
# embedded, on loopback), written as Parquet, and a corpus encoded by a Spark job (`local[*]`) and imported.
# Idempotent set-up, then pytest:
#   - a Java runtime for Spark (Debian's default-jre-headless) when `java` is missing;
#   - Tests/handoff/.venv from requirements.txt, rebuilt only when that file or the Python changes (stamp).
# Under CI=true a missing binary or model fails the run; elsewhere those tests are skipped.
# Usage: Tests/handoff/run.sh [pytest args...]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

if ! command -v java >/dev/null 2>&1; then
    echo "handoff/run.sh: installing default-jre-headless (Spark needs Java)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless
fi

want="$( (sha256sum "$HERE/requirements.txt" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
stamp="$VENV/.glossa-stamp"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "handoff/run.sh: creating $VENV (pyspark is a 450 MB download)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
    echo "$want" >"$stamp"
fi

export GLOSSA_BIN="${GLOSSA_BIN:-$REPO/.build/release/glossa}"
export GLOSSA_MODEL="${GLOSSA_MODEL:-$REPO/Models/multilingual-e5-small}"
export GLOSSA_SHARED="${GLOSSA_SHARED:-$REPO/../shared}"
export PYTHONDONTWRITEBYTECODE=1
cd "$REPO"
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$HERE" "$@"
