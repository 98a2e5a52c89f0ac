#!/usr/bin/env bash
# Benchmarks/serve/make-venv.sh — creates Benchmarks/.venv-serve (the serve benchmark's peer, infinity-emb on CPU
# PyTorch, and the load generator's sentencepiece) from the exact lock Benchmarks/serve/requirements.txt, PyPI
# only, with --no-deps (see the lock's header for why). Re-running is cheap: pip skips what is installed.
# About 2.5 GB to download and 4.5 GB on disk. The venv gets a .gitignore of its own ("*"), so git never sees it.
set -euo pipefail

cd "$(dirname "$0")/../.."
VENV="${VENV_SERVE:-Benchmarks/.venv-serve}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
printf '*\n' > "$VENV/.gitignore"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir --no-deps -q \
    -r Benchmarks/serve/requirements.txt
"$VENV/bin/python" - <<'PYEOF'
import infinity_emb, numpy, sentence_transformers, sentencepiece, torch, transformers
assert not torch.cuda.is_available()
torch.ones(2, 2) @ torch.ones(2, 2)
print(f"make-venv (serve): infinity-emb {infinity_emb.__version__}, torch {torch.__version__} (CPU), "
      f"transformers {transformers.__version__}, sentence-transformers {sentence_transformers.__version__}, "
      f"numpy {numpy.__version__}")
PYEOF
