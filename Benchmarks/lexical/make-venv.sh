#!/usr/bin/env bash
# Benchmarks/lexical/make-venv.sh — creates Benchmarks/lexical/.venv (git-ignored) with the pinned lexical peers.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
if [[ ! -x "$VENV/bin/python" ]]; then "${PYTHON:-python3}" -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir -q -r requirements.txt
"$VENV/bin/python" -c "import bm25s, jieba, pythainlp, regex; print('lexical venv: bm25s', bm25s.__version__, 'pythainlp', pythainlp.__version__)"
