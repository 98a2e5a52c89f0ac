#!/usr/bin/env python3
"""Benchmarks/scale/pick_seed_texts.py SHARED_TATOEBA_DIR OUT_DIR [PER_FILE]

Picks the seed texts of the scale benchmark's generator: PER_FILE (default 160) sentences from every
Tatoeba file in ../shared/data/tatoeba (about 100 languages, deduplicated, deterministic: every k-th line),
as passages, and 1,000 other sentences as queries. Writes OUT_DIR/passages.txt and OUT_DIR/queries.txt,
one text per line; run-scale.sh embeds them with `glossa embed` into the real mE5 vectors the generated
bundles are made from.
"""
import os
import sys


def main():
    source, out = sys.argv[1], sys.argv[2]
    per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 160
    files = sorted(f for f in os.listdir(source) if f.startswith("tatoeba."))
    passages, queries, seen = [], [], set()
    for name in files:
        lines = [l.strip() for l in open(os.path.join(source, name), encoding="utf-8") if l.strip()]
        step = max(1, len(lines) // (per_file + 10))
        picked = lines[::step]
        for i, text in enumerate(picked):
            if text in seen or "\t" in text:
                continue
            seen.add(text)
            # Every 17th pick is a query; the rest are passages (disjoint sets).
            (queries if i % 17 == 5 else passages).append(text)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "passages.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(passages) + "\n")
    with open(os.path.join(out, "queries.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(queries[:1000]) + "\n")
    print(f"pick_seed_texts: {len(passages)} passages, {min(1000, len(queries))} queries from {len(files)} files")


if __name__ == "__main__":
    main()
