#!/usr/bin/env bash
# Benchmarks/run-fidelity.sh — the int8 path against the fp32 path on every Tatoeba sentence (issue 10): per
# language the mean and lowest cosine of each sentence's two embeddings and both paths' bitext F1, then the
# totals (mean, 1st-percentile and lowest cosine; mean F1 of each path and the largest per-language drop).
#
#   Benchmarks/run-fidelity.sh [MODEL_DIR] [DATA_DIR]   (defaults: Models/multilingual-e5-small, ../shared/data)
#
# Environment: THREADS (default 2), LANGUAGES (comma list; default all), SKIP_BUILD=1 to use an existing build,
# NOISE_SEEDS (default 5): seeds of the control that turns each fp32 vector as far as int8 does, in a random
# direction (FidelityBench.swift); its per-language F1 changes are the noise floor of the per-language bar.
# Raw lines go to Benchmarks/results/raw/fidelity-<time>.jsonl (git-ignored). Takes a while: ~200,000 sentences
# encoded twice.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL="${1:-Models/multilingual-e5-small}"
DATA="${2:-../shared/data}"
[[ -d "$DATA/tatoeba" ]] || { echo "run-fidelity: no $DATA/tatoeba; pass the shared data folder" >&2; exit 1; }
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    SWIFT_FLAGS="${SWIFT_FLAGS:-$(make -s print-swift-flags)}"
    # shellcheck disable=SC2086
    swift build $SWIFT_FLAGS --product GlossaBench >&2
fi
mkdir -p Benchmarks/results/raw
RAW="Benchmarks/results/raw/fidelity-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
echo "run-fidelity: model $MODEL, commit $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
args=(fidelity --model "$MODEL" --tatoeba "$DATA/tatoeba" --threads "${THREADS:-2}")
[[ -n "${LANGUAGES:-}" ]] && args+=(--languages "$LANGUAGES")
[[ "${NOISE_SEEDS:-5}" != 0 ]] && args+=(--noise-seeds "${NOISE_SEEDS:-5}")
.build/release/GlossaBench "${args[@]}" | tee "$RAW"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RAW" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
langs = [r for r in rows if r["name"] == "tatoeba"]
summary = next(r for r in rows if r["name"] == "tatoeba_summary")
f32 = sum(r["f1_fp32"] for r in langs) / len(langs)
i8 = sum(r["f1_int8"] for r in langs) / len(langs)
worst = min(langs, key=lambda r: r["f1_int8"] - r["f1_fp32"])
print(f"Tatoeba, {summary['languages']} languages, {summary['sentences']} sentences: cosine mean "
      f"{summary['mean_cosine']:.6f}, p1 {summary['p1_cosine']:.6f}, min {summary['min_cosine']:.6f}")
print(f"mean F1 fp32 {f32:.2f}, int8 {i8:.2f} (Δ {i8 - f32:+.2f}); largest drop {worst['language']} "
      f"{worst['f1_int8'] - worst['f1_fp32']:+.2f}; languages more than 1.0 below: "
      f"{sum(r['f1_int8'] - r['f1_fp32'] < -1.0 for r in langs)}")
seeds = len(langs[0].get("f1_noise", []))
for s in range(seeds):
    drops = sorted((r["f1_noise"][s] - r["f1_fp32"], r["language"]) for r in langs)
    mean = sum(r["f1_noise"][s] for r in langs) / len(langs)
    print(f"control seed {s} (fp32 turned as far as int8, random direction): mean F1 {mean:.2f} "
          f"(Δ {mean - f32:+.2f}); largest drop {drops[0][1]} {drops[0][0]:+.2f}; languages more than 1.0 "
          f"below: {sum(d < -1.0 for d, _ in drops)}")
PYEOF
