#!/usr/bin/env bash
# Benchmarks/make-venv.sh — creates Benchmarks/.venv (git-ignored) with the pinned Python peers: CPU PyTorch,
# transformers, sentencepiece, safetensors, numpy, faiss-cpu, onnx, onnxruntime. PyPI only.
#
# The lock (Benchmarks/peers/requirements.txt) lists every package, so it is installed with --no-deps: that is
# how torch comes without its ~20 declared CUDA/triton packages while keeping the twelve nvidia runtime
# libraries that `import torch` needs (see the lock's header). Re-running is cheap: pip skips what is installed.
# About 2.5 GB to download and 4.5 GB on disk.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${VENV:-Benchmarks/.venv}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir --no-deps -q \
    -r Benchmarks/peers/requirements.txt
"$VENV/bin/python" - <<'PYEOF'
import faiss, numpy, onnxruntime, safetensors, sentencepiece, torch, transformers
assert not torch.cuda.is_available()
torch.ones(2, 2) @ torch.ones(2, 2)
print(f"make-venv: torch {torch.__version__} (CPU), transformers {transformers.__version__}, "
      f"onnxruntime {onnxruntime.__version__}, faiss {faiss.__version__}, numpy {numpy.__version__}")
PYEOF
