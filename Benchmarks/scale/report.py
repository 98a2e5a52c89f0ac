#!/usr/bin/env python3
"""Benchmarks/scale/report.py RAW.jsonl [SVG]

Summarises a run-scale.sh raw file: a Markdown table per index type (Glossa beside pip faiss-cpu, ratios, for
every size), the import rows, and a log-log SVG plot of how each cost grows with n (written to SVG, default
Benchmarks/results/scale.svg), with the fitted growth exponent of each line (1 = linear, < 1 sub-linear).
"""
import json
import math
import sys

raw = sys.argv[1]
svg_path = sys.argv[2] if len(sys.argv) > 2 else "Benchmarks/results/scale.svg"
rows = [json.loads(l) for l in open(raw) if l.strip().startswith("{")]
table = {}
for r in rows:
    table.setdefault((r["index"], r["n"]), {}).setdefault(r["metric"], {})[r["side"]] = r["median"]
sizes = sorted({n for (_, n) in table})


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


print("| n | import rows/s | SQLite's own write rate, rows/s | import wall s | import peak RSS MB | database MB |")
print("|---|---|---|---|---|---|")
for n in sizes:
    m = table.get(("import", n), {})
    db = table.get(("db", n), {}).get("db_mb", {}).get("glossa")
    print(f"| {n:,} | {fmt(m.get('import_rows_per_s', {}).get('glossa'))} "
          f"| {fmt(m.get('store_write_rows_per_s', {}).get('glossa'))} | {fmt(m.get('import_wall_s', {}).get('glossa'))} "
          f"| {fmt(m.get('import_peak_rss_mb', {}).get('glossa'))} | {fmt(db)} |")
print()
metrics = [("build_s", "build s", "lower"), ("batch_qps", "batch QPS", "higher"), ("latency_p50_ms", "p50 ms", "lower"),
           ("latency_p99_ms", "p99 ms", "lower"), ("recall_at_10", "recall@10", "higher"),
           ("index_memory_mb", "index MB", "lower")]
for index in ["flat", "ivf", "ivf-sq8", "ivf-pq"]:
    present = [n for n in sizes if (index, n) in table]
    if not present:
        continue
    print(f"**{index}** (Glossa / pip faiss-cpu / ratio, ratio > 1 = Glossa better)")
    print()
    print("| n | " + " | ".join(label for _, label, _ in metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for n in present:
        cells = []
        for metric, _, better in metrics:
            m = table[(index, n)].get(metric, {})
            g, p = m.get("glossa"), m.get("faiss-pip")
            ratio = ""
            if g and p:
                ratio = f" ({(g / p if better == 'higher' else p / g):.2f}x)"
            cells.append(f"{fmt(g)} / {fmt(p)}{ratio}")
        print(f"| {n:,} | " + " | ".join(cells) + " |")
    print()

# Log-log plot: Glossa's costs against n, one line per (index, metric), with the fitted exponent.
series = []
for index in ["flat", "ivf", "ivf-sq8", "ivf-pq"]:
    for metric, label in [("build_s", "build s"), ("latency_p50_ms", "p50 ms"), ("index_memory_mb", "index MB")]:
        points = [(n, table[(index, n)][metric]["glossa"]) for n in sizes
                  if (index, n) in table and table[(index, n)].get(metric, {}).get("glossa")]
        if len(points) >= 2:
            series.append((f"{index} {label}", points))
points = [(n, table[("import", n)]["import_wall_s"]["glossa"]) for n in sizes
          if table.get(("import", n), {}).get("import_wall_s", {}).get("glossa")]
if len(points) >= 2:
    series.append(("import s", points))


def slope(points):
    xs = [math.log10(n) for n, _ in points]
    ys = [math.log10(v) for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(1e-12, sum((x - mx) ** 2 for x in xs))


if series:
    width, height, left, right, top, bottom = 900, 560, 70, 260, 30, 50
    all_v = [v for _, ps in series for _, v in ps]
    x0, x1 = math.log10(min(sizes)), math.log10(max(sizes))
    y0, y1 = math.floor(math.log10(min(all_v))), math.ceil(math.log10(max(all_v)))
    x1 = x1 if x1 > x0 else x0 + 1
    sx = lambda x: left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)
    sy = lambda y: top + (y1 - math.log10(y)) / max(1e-9, (y1 - y0)) * (height - top - bottom)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
               "#17becf", "#393b79", "#637939", "#8c6d31"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">Glossa costs vs collection size (log-log; slope 1 = linear)</text>']
    for e in range(y0, y1 + 1):
        y = sy(10 ** e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
    for n in sizes:
        x = sx(n)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">chunks (n)</text>')
    for i, (name, ps) in enumerate(series):
        c = colours[i % len(colours)]
        path = " ".join(f"{sx(n):.1f},{sy(v):.1f}" for n, v in ps)
        out.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="2"/>')
        for n, v in ps:
            out.append(f'<circle cx="{sx(n):.1f}" cy="{sy(v):.1f}" r="3" fill="{c}"/>')
        ly = top + 14 + i * 18
        out.append(f'<line x1="{width - right + 10}" y1="{ly - 4}" x2="{width - right + 30}" y2="{ly - 4}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{width - right + 36}" y="{ly}">{name} (slope {slope(ps):.2f})</text>')
    out.append("</svg>")
    with open(svg_path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"Growth exponents (log-log slope over {', '.join(f'{n:,}' for n in sizes)}): "
          + "; ".join(f"{name} {slope(ps):.2f}" for name, ps in series))
