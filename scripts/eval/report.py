#!/usr/bin/env python3
"""Writes eval/results.md, eval/results.json and eval/chart.svg from the outputs of scripts/eval/run.sh
(.cache/eval/tatoeba.jsonl from `glossa bitext --json`, .cache/eval/xquad-r.json from `glossa eval --json`)
next to the reference figures parsed from ../shared/data/reference-scores.md. Standard library only;
the SVG is written by hand. Figures are percentages with two decimals, as in the reference."""

import argparse
import datetime
import html
import json
import os
import re
import subprocess
import sys

TOLERANCE = 0.2  # points; the agreement bound
XQUAD_METRICS = [("MAP", "mAP"), ("nDCG@10", "nDCG@10"), ("Recall@100", "Recall@100")]


def parse_reference(path):
    """Tatoeba rows `| lang | pairs | acc | f1 |` and XQuAD-R rows `| lang | mAP | nDCG | R@100 |`."""
    tatoeba, xquad, section = {}, {}, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section = "xquad" if "XQuAD" in line else "tatoeba" if "Tatoeba" in line else None
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 4 or not re.fullmatch(r"[0-9.]+", cells[-1]):
            continue
        if section == "tatoeba" and len(cells) == 4:
            tatoeba[cells[0]] = {"pairs": int(cells[1]), "accuracy": float(cells[2]), "f1": float(cells[3])}
        elif section == "xquad" and len(cells) == 4:
            xquad[cells[0]] = {"mAP": float(cells[1]), "nDCG@10": float(cells[2]), "Recall@100": float(cells[3])}
    average = re.search(r"Average over these 100 languages: F1 ([0-9]+\.[0-9]+), accuracy ([0-9]+\.[0-9]+)", open(path).read())
    return tatoeba, xquad, ({"f1": float(average.group(1)), "accuracy": float(average.group(2))} if average else None)


def tatoeba_results(path, reference):
    languages = {}
    for line in open(path, encoding="utf-8"):
        row = json.loads(line)
        lang = row["language"]
        ours = {"pairs": row["pairs"], "accuracy": round(100 * row["accuracy"], 2), "f1": round(100 * row["f1"], 2)}
        ref = reference.get(lang)
        languages[lang] = {"glossa": ours, "reference": ref,
                           "delta_f1": round(ours["f1"] - ref["f1"], 2) if ref else None,
                           "delta_accuracy": round(ours["accuracy"] - ref["accuracy"], 2) if ref else None}
    n = len(languages)
    average = {"f1": round(sum(v["glossa"]["f1"] for v in languages.values()) / n, 2) if n else None,
               "accuracy": round(sum(v["glossa"]["accuracy"] for v in languages.values()) / n, 2) if n else None}
    return languages, average


def xquad_results(work, reference):
    report = json.load(open(os.path.join(work, "xquad-r.json"), encoding="utf-8"))
    language_of = {}
    for line in open(os.path.join(work, "xquad-r", "queries.jsonl"), encoding="utf-8"):
        row = json.loads(line)
        language_of[row["_id"]] = row.get("metadata", {}).get("language", "?")
    groups = {}
    for query, values in report["perQuery"].items():
        groups.setdefault(language_of.get(query, "?"), []).append(values)
    groups["all"] = list(report["perQuery"].values())
    results = {}
    for lang, rows in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        ours = {name: round(100 * sum(r[key] for r in rows) / len(rows), 2) for key, name in XQUAD_METRICS}
        ref = reference.get(lang)
        results[lang] = {"queries": len(rows), "glossa": ours, "reference": ref,
                         "delta": {m: round(ours[m] - ref[m], 2) for m in ours} if ref else None}
    return results


def mark(delta):
    return "" if delta is None else ("✓" if abs(delta) <= TOLERANCE + 1e-9 else "✗")


def fmt(value):
    return "–" if value is None else f"{value:.2f}"


def write_markdown(path, meta, tatoeba, tatoeba_avg, tatoeba_ref_avg, xquad):
    out = ["# Glossa evaluation results", "",
           f"Commit `{meta['commit']}`, {meta['date']}, model `{meta['model']}`. Reference: "
           f"`reference-scores.md` (transformers fp32 on the same weights). ✓ = within {TOLERANCE} points.", ""]
    if xquad:
        out += ["## XQuAD-R (LAReQA protocol; pool of ar, de, en, es, ru, zh)", "",
                "| question language | queries | mAP | ref | nDCG@10 | ref | Recall@100 | ref | within 0.2 |",
                "|---|---|---|---|---|---|---|---|---|"]
        for lang, row in xquad.items():
            g, r, d = row["glossa"], row["reference"] or {}, row["delta"] or {}
            ok = all(mark(d.get(m)) == "✓" for m in g) if d else None
            name = f"**{lang}**" if lang == "all" else lang
            out.append(f"| {name} | {row['queries']} | " + " | ".join(
                f"{fmt(g[m])} | {fmt(r.get(m))}" for _, m in XQUAD_METRICS) + f" | {'' if ok is None else '✓' if ok else '✗'} |")
        out.append("")
    if tatoeba:
        within = sum(1 for v in tatoeba.values() if mark(v["delta_f1"]) == "✓")
        out += ["## Tatoeba (MTEB bitext protocol), 100 languages", "",
                f"Average F1 **{fmt(tatoeba_avg['f1'])}** (reference {fmt((tatoeba_ref_avg or {}).get('f1'))}), "
                f"accuracy **{fmt(tatoeba_avg['accuracy'])}** (reference {fmt((tatoeba_ref_avg or {}).get('accuracy'))}); "
                f"F1 within {TOLERANCE} points on {within} of {len(tatoeba)} languages.", "",
                "| lang | pairs | accuracy | ref | F1 | ref | ΔF1 | |", "|---|---|---|---|---|---|---|---|"]
        for lang, v in sorted(tatoeba.items()):
            g, r = v["glossa"], v["reference"] or {}
            out.append(f"| {lang} | {g['pairs']} | {fmt(g['accuracy'])} | {fmt(r.get('accuracy'))} | {fmt(g['f1'])} | "
                       f"{fmt(r.get('f1'))} | {fmt(v['delta_f1'])} | {mark(v['delta_f1'])} |")
        out.append("")
    out += ["![per-language figures](chart.svg)", ""]
    write_atomically(path, "\n".join(out))


def bar_panel(x0, y0, width, height, title, labels, ours, refs, maximum=100.0):
    """One panel: a bar per label for Glossa and a dark tick for the reference, y from 0 to `maximum`."""
    parts = [f'<text x="{x0}" y="{y0 - 8}" class="title">{html.escape(title)}</text>',
             f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" class="frame"/>']
    for tick in range(0, int(maximum) + 1, 20):
        y = y0 + height - height * tick / maximum
        parts.append(f'<line x1="{x0}" x2="{x0 + width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{x0 - 4}" y="{y + 3:.1f}" class="axis" text-anchor="end">{tick}</text>')
    step = width / max(len(labels), 1)
    for i, (label, value, ref) in enumerate(zip(labels, ours, refs)):
        x = x0 + i * step
        h = height * max(value, 0) / maximum
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{y0 + height - h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{h:.1f}" class="bar"><title>{html.escape(label)}: {value:.2f}'
                     + (f" (reference {ref:.2f})" if ref is not None else "") + '</title></rect>')
        if ref is not None:
            y = y0 + height - height * ref / maximum
            parts.append(f'<line x1="{x + step * 0.05:.1f}" x2="{x + step * 0.95:.1f}" y1="{y:.1f}" y2="{y:.1f}" class="ref"/>')
        parts.append(f'<text transform="translate({x + step / 2 + 3:.1f},{y0 + height + 6}) rotate(90)" '
                     f'class="label">{html.escape(label)}</text>')
    return parts


def write_chart(path, tatoeba, xquad):
    width, margin = 1400, 50
    parts = []
    y = 40
    if tatoeba:
        langs = sorted(tatoeba, key=lambda l: -(tatoeba[l]["reference"] or tatoeba[l]["glossa"])["f1"])
        parts += bar_panel(margin, y, width - 2 * margin, 260, "Tatoeba F1 per language (bars: Glossa; ticks: reference)",
                           langs, [tatoeba[l]["glossa"]["f1"] for l in langs],
                           [(tatoeba[l]["reference"] or {}).get("f1") for l in langs])
        y += 340
    if xquad:
        labels, ours, refs = [], [], []
        for lang, row in xquad.items():
            for _, metric in XQUAD_METRICS:
                labels.append(f"{lang} {metric}")
                ours.append(row["glossa"][metric])
                refs.append((row["reference"] or {}).get(metric))
        parts += bar_panel(margin, y, min(width - 2 * margin, 40 * len(labels)), 220,
                           "XQuAD-R per question language (bars: Glossa; ticks: reference)", labels, ours, refs)
        y += 330
    style = ("<style>.title{font:bold 14px sans-serif}.axis{font:10px sans-serif;fill:#555}"
             ".label{font:10px sans-serif}.frame{fill:none;stroke:#999}.grid{stroke:#eee}"
             ".bar{fill:#4a78b5}.ref{stroke:#c0392b;stroke-width:2}</style>")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" viewBox="0 0 {width} {y}">'
           f'{style}<rect width="100%" height="100%" fill="white"/>' + "".join(parts) + "</svg>\n")
    write_atomically(path, svg)


def write_atomically(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", default=".cache/eval")
    parser.add_argument("--reference", default="../shared/data/reference-scores.md")
    parser.add_argument("--out", default="eval")
    parser.add_argument("--model", default=os.environ.get("MODEL", "Models/multilingual-e5-small"))
    args = parser.parse_args()
    ref_tatoeba, ref_xquad, ref_average = parse_reference(args.reference)
    tatoeba, tatoeba_avg, xquad = None, None, None
    if os.path.exists(os.path.join(args.work, "tatoeba.jsonl")):
        tatoeba, tatoeba_avg = tatoeba_results(os.path.join(args.work, "tatoeba.jsonl"), ref_tatoeba)
    if os.path.exists(os.path.join(args.work, "xquad-r.json")):
        xquad = xquad_results(args.work, ref_xquad)
    if not tatoeba and not xquad:
        sys.exit(f"report: nothing to report in {args.work}; run scripts/eval/run.sh first")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    meta = {"commit": commit or "unknown", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "model": args.model, "tolerance_points": TOLERANCE}
    os.makedirs(args.out, exist_ok=True)
    results = {"meta": meta,
               "tatoeba": {"languages": tatoeba, "average": tatoeba_avg, "reference_average": ref_average} if tatoeba else None,
               "xquad_r": xquad}
    write_atomically(os.path.join(args.out, "results.json"), json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    write_markdown(os.path.join(args.out, "results.md"), meta, tatoeba, tatoeba_avg, ref_average, xquad)
    write_chart(os.path.join(args.out, "chart.svg"), tatoeba, xquad)
    if tatoeba:
        print(f"Tatoeba: average F1 {tatoeba_avg['f1']:.2f} (reference {ref_average['f1'] if ref_average else '?'}), "
              f"accuracy {tatoeba_avg['accuracy']:.2f}")
    if xquad and "all" in xquad:
        g = xquad["all"]["glossa"]
        print(f"XQuAD-R all: mAP {g['mAP']:.2f}, nDCG@10 {g['nDCG@10']:.2f}, Recall@100 {g['Recall@100']:.2f}")
    print(f"wrote {args.out}/results.md, results.json, chart.svg")


if __name__ == "__main__":
    main()
