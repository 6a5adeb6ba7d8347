#!/usr/bin/python3
"""Float32 against bf16 accuracy from two `simvae compare` report folders run with the same methods, seeds and budget.

Usage: accuracy_table.py FP32_FOLDER BF16_FOLDER [BF16_LABEL]
Reads <folder>/runs/<method>-seed<N>.json (written as each run finishes, so a partial grid can be tabulated) and
prints a Markdown table: per method and seed, content linear / kNN and vertical-flip linear / kNN accuracies in both
precisions, then per method the means, the mean difference (bf16 - fp32) with the float32 runs' seed-to-seed standard
deviation for scale, and whether every difference is within 0.5 points.
"""
import glob
import json
import os
import statistics
import sys

fp32_dir, bf16_dir = sys.argv[1], sys.argv[2]
label = sys.argv[3] if len(sys.argv) > 3 else "bf16"
METRICS = [("content", "linear", "content linear"), ("content", "knn_euclidean", "content kNN"),
           ("style_vflip", "linear", "v-flip linear"), ("style_vflip", "knn_euclidean", "v-flip kNN")]


def runs(folder):
    out = {}
    for path in glob.glob(os.path.join(folder, "runs", "*-seed*.json")):
        r = json.load(open(path))
        out[(r["method"], r["seed"])] = r
    return out


a, b = runs(fp32_dir), runs(bf16_dir)
pairs = sorted(set(a) & set(b))
print(f"| method | seed | " + " | ".join(f"{name} fp32 / {label}" for _, _, name in METRICS) + " |")
print("|---|---|" + "---|" * len(METRICS))
for m, s in pairs:
    cells = [f"{100 * a[m, s]['tasks'][t]['scores'][k]:.2f} / {100 * b[m, s]['tasks'][t]['scores'][k]:.2f}" for t, k, _ in METRICS]
    print(f"| {m} | {s} | " + " | ".join(cells) + " |")
print()
print(f"| method | seeds | " + " | ".join(f"{name}: fp32 / {label} / diff" for _, _, name in METRICS) + " | all within 0.5 |")
print("|---|---|" + "---|" * len(METRICS) + "---|")
for m in sorted({m for m, _ in pairs}):
    seeds = [s for mm, s in pairs if mm == m]
    cells, ok = [], True
    for t, k, _ in METRICS:
        xs = [a[m, s]["tasks"][t]["scores"][k] * 100 for s in seeds]
        ys = [b[m, s]["tasks"][t]["scores"][k] * 100 for s in seeds]
        x, y = statistics.mean(xs), statistics.mean(ys)
        spread = f" (fp32 seed sd {statistics.stdev(xs):.2f})" if len(xs) > 1 else ""
        ok &= abs(y - x) <= 0.5
        cells.append(f"{x:.2f} / {y:.2f} / {y - x:+.2f}{spread}")
    print(f"| {m} | {','.join(map(str, seeds))} | " + " | ".join(cells) + f" | {'yes' if ok else 'NO'} |")
missing = sorted((set(a) | set(b)) - set(pairs))
if missing:
    print(f"\nRuns present in only one folder (not compared): {missing}")
