#!/usr/bin/env python3
"""Writes eval/hybrid.md, eval/hybrid.json and eval/hybrid.svg from the outputs of scripts/eval/hybrid.sh:
the per-language table (nDCG@10, Recall@100, MRR@10) of FTS5 unicode61, the Python BM25 peer, Glossa
lexical, dense and hybrid; every fusion tried; the issue's bars, met or not; and the costs."""
import datetime
import json
import platform
import subprocess
import sys
from pathlib import Path

work, langs, md_path, json_path, svg_path = Path(sys.argv[1]), sys.argv[2].split(","), *sys.argv[3:6]
results = work / "results"
peers = json.loads((results / "peers.json").read_text())
# The fusions every language was evaluated with (scripts/eval/hybrid.sh's FUSIONS).
FUSIONS = [f for f in ["rrf", "convex-0.3", "convex-0.4", "convex-0.5", "convex-0.6", "convex-0.7"]
           if all((results / l / f"hybrid-{f}.json").exists() for l in langs)]
METRICS = [("ndcg10", "nDCG@10"), ("recall100", "Recall@100"), ("mrr10", "MRR@10")]


def glossa(lang, name):
    data = json.loads((results / lang / f"{name}.json").read_text())
    m = data["metrics"]
    out = {"ndcg10": 100 * m["nDCG@10"], "recall100": 100 * m["Recall@100"], "mrr10": 100 * m["MRR@10"]}
    if "latencyMedianMs" in data:
        out["latency_ms"] = data["latencyMedianMs"]
    return out


table = {}
for lang in langs:
    row = {"fts5": peers[lang]["fts5"], "bm25": peers[lang]["bm25"], "lexical": glossa(lang, "lexical"),
           "dense": glossa(lang, "dense")}
    for fusion in FUSIONS:
        row["hybrid-" + fusion] = glossa(lang, "hybrid-" + fusion)
    row["cost"] = json.loads((results / lang / "cost.json").read_text())
    table[lang] = row


def mean(system, metric="ndcg10"):
    return sum(table[l][system][metric] for l in langs) / len(langs)


# The default fusion is the one with the best 12-language mean nDCG@10 (ties: the first listed).
best = max(FUSIONS, key=lambda f: round(mean("hybrid-" + f), 6))
default = "hybrid-" + best
SYSTEMS = [("fts5", "FTS5 unicode61"), ("bm25", "Python BM25 peer"), ("lexical", "Glossa lexical"),
           ("dense", "dense (mE5)"), (default, f"hybrid ({best.replace('-', ':')})")]

lines = ["# Hybrid retrieval on same-language XQuAD", ""]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
lines += [f"Measured {datetime.date.today()} at commit {commit} on {cpu} ({subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, shared with other work), "
          "by `scripts/eval/hybrid.sh` (`make eval-hybrid`). Protocol (../shared/data/README.md): per language the "
          "corpus is its 240 XQuAD paragraphs, the queries its 1,190 questions, the one relevant document the "
          "paragraph a question was asked about. Peers run in `Benchmarks/lexical` (pinned venv): FTS5 with its default "
          "unicode61 tokenizer, the query an OR of its quoted `\\w+` words; bm25s over jieba (zh), pythainlp newmm (th) "
          "and lower-cased `[\\w\\p{M}]+` words elsewhere (`regex` module).", ""]
for metric, title in METRICS:
    lines += [f"## {title}", "", "| language | " + " | ".join(name for _, name in SYSTEMS) + " |",
              "|---|" + "---:|" * len(SYSTEMS)]
    for lang in langs:
        lines.append(f"| {lang} | " + " | ".join(f"{table[lang][s][metric]:.1f}" for s, _ in SYSTEMS) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{mean(s, metric):.1f}**" for s, _ in SYSTEMS) + " |")
    lines.append("")

lines += ["## Fusions (nDCG@10)", "", "| language | " + " | ".join(f.replace("-", ":") for f in FUSIONS) + " |",
          "|---|" + "---:|" * len(FUSIONS)]
for lang in langs:
    lines.append(f"| {lang} | " + " | ".join(f"{table[lang]['hybrid-' + f]['ndcg10']:.1f}" for f in FUSIONS) + " |")
lines.append("| **mean** | " + " | ".join(f"**{mean('hybrid-' + f):.1f}**" for f in FUSIONS) + " |")
lines += ["", f"The default fusion (`Fusion.standard`) is the best mean here: **{best.replace('-', ':')}**.", ""]

# The bars.
bars = []
def bar(text, ok, detail):
    bars.append(f"| {text} | {'met' if ok else '**not met**'} | {detail} |")

worst = min(langs, key=lambda l: table[l]["lexical"]["ndcg10"] - table[l]["fts5"]["ndcg10"])
bar("lexical ≥ FTS5 unicode61 in every language", all(table[l]["lexical"]["ndcg10"] >= table[l]["fts5"]["ndcg10"] for l in langs),
    f"smallest margin {table[worst]['lexical']['ndcg10'] - table[worst]['fts5']['ndcg10']:+.1f} ({worst})")
zh = table.get("zh")
if zh:
    bar("lexical ≥ FTS5 + 50 on zh", zh["lexical"]["ndcg10"] >= zh["fts5"]["ndcg10"] + 50,
        f"{zh['lexical']['ndcg10']:.1f} vs {zh['fts5']['ndcg10']:.1f} (FTS5: {zh['fts5']['nohit']} of 1,190 questions without any hit)")
worst = min(langs, key=lambda l: table[l]["lexical"]["ndcg10"] - table[l]["bm25"]["ndcg10"])
gap = table[worst]["lexical"]["ndcg10"] - table[worst]["bm25"]["ndcg10"]
bar("lexical no more than 1 point below the Python BM25 peer in any language", gap >= -1, f"worst {gap:+.1f} ({worst})")
bar("lexical ≥ the peer on the mean", mean("lexical") >= mean("bm25"), f"{mean('lexical'):.1f} vs {mean('bm25'):.1f}")
worst = min(langs, key=lambda l: table[l][default]["ndcg10"] - max(table[l]["dense"]["ndcg10"], table[l]["lexical"]["ndcg10"]))
gap = table[worst][default]["ndcg10"] - max(table[worst]["dense"]["ndcg10"], table[worst]["lexical"]["ndcg10"])
bar("hybrid ≥ the better leg − 0.3 in every language", gap >= -0.3, f"worst {gap:+.1f} ({worst})")
bar("hybrid ≥ dense + 2 on the mean", mean(default) >= mean("dense") + 2, f"{mean(default):.1f} vs {mean('dense'):.1f}")
ingest = sum(table[l]["cost"]["ingest_seconds"] for l in langs)
lexical_s = sum(table[l]["cost"]["lexical_seconds"] for l in langs)
with_b = sum(table[l]["cost"]["db_bytes"] for l in langs)
without_b = sum(table[l]["cost"]["db_bytes_without_lexical"] for l in langs)
ingest_share = lexical_s / max(ingest - lexical_s, 1e-9)
bar("lexical index adds ≤ 25 % to ingest time", ingest_share <= 0.25,
    f"+{100 * ingest_share:.1f} % ({lexical_s:.1f} s of {ingest:.1f} s over the {len(langs)} ingests)")
size_share = with_b / without_b - 1
bar("lexical index adds ≤ 60 % to the database size", size_share <= 0.60,
    f"+{100 * size_share:.1f} % ({with_b / 1e6:.1f} MB vs {without_b / 1e6:.1f} MB)")
dense_ms = sorted(table[l]["dense"]["latency_ms"] for l in langs)
hybrid_ms = sorted(table[l][default]["latency_ms"] for l in langs)
ratios = sorted(table[l][default]["latency_ms"] / table[l]["dense"]["latency_ms"] for l in langs)
bar("hybrid query ≤ 1.5x a dense one (median, warm)", ratios[len(ratios) // 2] <= 1.5,
    f"median of per-language ratios {ratios[len(ratios) // 2]:.2f}x (range {ratios[0]:.2f}–{ratios[-1]:.2f}x)")
lines += ["## The issue's bars (nDCG@10)", "", "| bar | | measured |", "|---|---|---|"] + bars + [""]

lines += ["## Costs", "", "Ingest is `glossa index` wall time (encode + store + lexical index); the lexical share is "
          "`glossa rebuild`'s lexical-index time on the same collection (analysis of every chunk + FTS5 inserts, in one "
          "transaction), so \"without\" is ingest minus that. Database sizes after `VACUUM`, \"without\" from a copy with the "
          "`lexical` table dropped. Latency: one query at a time, encode + search + group, top 10, ids and scores, "
          f"after 20 warm-up queries; median over the first {sys.argv[6] if len(sys.argv) > 6 else 300} questions of "
          "each language.", "",
          "| language | ingest s | lexical s | DB MB | DB MB without | dense ms | hybrid ms | ratio |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
for lang in langs:
    c = table[lang]["cost"]
    d, h = table[lang]["dense"]["latency_ms"], table[lang][default]["latency_ms"]
    lines.append(f"| {lang} | {c['ingest_seconds']:.1f} | {c['lexical_seconds']:.2f} | {c['db_bytes'] / 1e6:.2f} | "
                 f"{c['db_bytes_without_lexical'] / 1e6:.2f} | {d:.1f} | {h:.1f} | {h / d:.2f} |")
lines.append("")
Path(md_path).write_text("\n".join(lines) + "\n")
Path(json_path).write_text(json.dumps({"default": best, "languages": table}, indent=1, sort_keys=True) + "\n")

# Chart: grouped bars of nDCG@10 per language, one colour per system.
colors = ["#bbbbbb", "#8c6bb1", "#2b8cbe", "#f03b20", "#31a354"]
width, height, left, top, bottom = 980, 360, 50, 30, 60
group = (width - left - 10) / (len(langs) + 1)
bar_w = group / (len(SYSTEMS) + 1)
def y(v):
    return top + (height - top - bottom) * (1 - v / 100)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
       f'<text x="{left}" y="16" font-size="13">nDCG@10 on same-language XQuAD (240 paragraphs, 1,190 questions per language)</text>']
for v in range(0, 101, 20):
    svg.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
               f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
for i, lang in enumerate(langs + ["mean"]):
    x0 = left + i * group + bar_w / 2
    for j, (s, _) in enumerate(SYSTEMS):
        v = mean(s) if lang == "mean" else table[lang][s]["ndcg10"]
        svg.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{y(v):.1f}" width="{bar_w - 1:.1f}" height="{y(0) - y(v):.1f}" fill="{colors[j]}"><title>{lang} {s} {v:.1f}</title></rect>')
    svg.append(f'<text x="{x0 + len(SYSTEMS) * bar_w / 2:.1f}" y="{y(0) + 14:.1f}" text-anchor="middle">{lang}</text>')
for j, (_, name) in enumerate(SYSTEMS):
    svg.append(f'<rect x="{left + j * 170}" y="{height - 24}" width="12" height="12" fill="{colors[j]}"/>'
               f'<text x="{left + j * 170 + 16}" y="{height - 14}">{name}</text>')
svg.append("</svg>")
Path(svg_path).write_text("\n".join(svg) + "\n")
