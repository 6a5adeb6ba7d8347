#!/usr/bin/python3
"""Formats the log of bench/train/run.sh: a table, then exactly one RESULT line (the last line printed)."""
import json
import sys

cs, ref = [], []
for line in open(sys.argv[1]):
    if line.startswith("BENCH "):
        cs.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
    elif line.startswith("REFERENCE "):
        ref.append(json.loads(line[len("REFERENCE "):]))


def f(x):
    return float(x)


for r in cs + ref:
    r.setdefault("precision", "fp32")
e2e = [r for r in cs if r["kind"] == "end_to_end"]
profiles = [r for r in cs if r["kind"] == "profile"]
cores = sys.argv[2]
# The main process runs the library's default (intra-op threads = cores) for all three methods.
main_process = next(r for r in cs if r["kind"] == "process" and r["intra"] == cores and r["precision"] == "fp32")
bf16_process = next((r for r in cs if r["kind"] == "process" and r["precision"] == "bf16"), {})


def rate(method, intra, precision="fp32"):
    return next((f(r["views_per_s"]) for r in e2e if r["method"] == method and r["intra"] == intra and r["precision"] == precision),
                float("nan"))


def bf16_rate():
    return next((f(r["views_per_s"]) for r in e2e if r["method"] == "simvae" and r["precision"] == "bf16"), float("nan"))


print()
print("C# SimVae.MLNet on TorchSharp, Trainer end to end (real FashionMNIST, batched augmentation, fused Adam), views/s")
print(f"  {'method':<8} {'precision':>9} {'intra-op':>8} {'views/s':>9} {'VmHWM so far (MB)':>18}")
for r in e2e:
    print(f"  {r['method']:<8} {r['precision']:>9} {r['intra']:>8} {f(r['views_per_s']):>9.0f} {f(r['peak_rss_mb']):>18.0f}")
if profiles:
    print()
    print("C# SimVAE step profile (loop mirroring Trainer, Prefetch 0, ms per 128-view step)")
    print(f"  {'precision':>9} {'intra-op':>8} {'load+aug':>9} {'forward':>8} {'backward':>9} {'adam':>7} {'free':>6} {'step':>7} {'views/s':>8}")
    for p in profiles:
        print(f"  {p['precision']:>9} {p['intra']:>8} {f(p['load_augment_ms']):>9.1f} {f(p['forward_ms']):>8.1f} {f(p['backward_ms']):>9.1f} "
              f"{f(p['optimizer_ms']):>7.1f} {f(p['dispose_ms']):>6.1f} {f(p['step_ms']):>7.1f} {f(p['views_per_s']):>8.0f}")
print()
print("PyTorch 1.13 reference (authors' step, per-image torchvision augmentation on PIL images), views/s")
print(f"  {'precision':>9} {'torch threads':>13} {'OpenBLAS':>8} {'workers=0':>10} {'workers=2':>10} {'compute only':>13}")
settings = sorted({(r["precision"], r["torch_threads"], r["blas_threads"]) for r in ref}, key=lambda s: (s[0] != "fp32", s[2], s[1]))
for p, t, b in settings:
    cells = {}
    for r in ref:
        if (r["precision"], r["torch_threads"], r["blas_threads"]) == (p, t, b):
            cells["compute" if r["kind"] == "compute_only" else r["workers"]] = r["views_per_s"]
    print(f"  {p:>9} {t:>13} {b:>8} {cells.get(0, float('nan')):>10.0f} {cells.get(2, float('nan')):>10.0f} {cells.get('compute', float('nan')):>13.0f}")
fp32_ref = [r for r in ref if r["precision"] == "fp32"]
best = max((r for r in fp32_ref if r["kind"] == "end_to_end"), key=lambda r: r["views_per_s"])
best_compute = max((r["views_per_s"] for r in fp32_ref if r["kind"] == "compute_only"), default=float("nan"))
best_bf16_ref = max((r["views_per_s"] for r in ref if r["precision"] == "bf16" and r["kind"] == "end_to_end"), default=float("nan"))

x = rate("simvae", cores)
y = best["views_per_s"]
x1 = rate("simvae", "1")
print()
print(f"C# SimVAE (intra-op {cores}): {x:.0f} views/s (intra-op 1: {x1:.0f}); best reference end to end: {y:.0f} views/s "
      f"(torch threads {best['torch_threads']}, OpenBLAS {best['blas_threads']}, workers {best['workers']}); "
      f"best reference compute only: {best_compute:.0f} views/s")
print(f"ratio {x / y:.2f}x (target: >= 1.4x). peak RSS of the C# process that trained all three "
      f"methods: {f(main_process['peak_rss_mb']):.0f} MB. Numbers are noisy when other work shares the cores.")
b = bf16_rate()
print(f"bf16 (native bfloat16 on this CPU: {'yes' if bf16_process.get('bf16_native') == '1' else 'no'}): C# SimVAE {b:.0f} views/s "
      f"= {b / x:.2f}x its float32 figure (target >= 1.9) and {b / y:.2f}x the best float32 reference; "
      f"reference in bf16 autocast: {best_bf16_ref:.0f} views/s.")
print(f"RESULT train views_per_s={x:.0f} reference_views_per_s={y:.0f} ratio={x / y:.2f} "
      f"simclr_views_per_s={rate('simclr', cores):.0f} vicreg_views_per_s={rate('vicreg', cores):.0f} "
      f"peak_rss_mb={f(main_process['peak_rss_mb']):.0f} views_per_s_bf16={b:.0f} ratio_bf16={b / y:.2f} "
      f"speedup_bf16={b / x:.2f} reference_views_per_s_bf16={best_bf16_ref:.0f} bf16_native={bf16_process.get('bf16_native', '?')}")
