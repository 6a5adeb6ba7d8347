#!/usr/bin/env bash
# bench/run gpu [--device auto|cuda|cpu] [--smoke] [--steps N] [--warmup N]
# The C# GPU benchmark (bench/gpu: SimVAE through the Trainer, fp32 and bf16) and the PyTorch reference
# (bench/python/gpu_reference.py) on the same device, then one line:
#   RESULT gpu simvae_views_per_s=… simvae_bf16_views_per_s=… reference_batched_views_per_s=…
#              reference_batched_bf16_views_per_s=… ratio=… ratio_bf16=… [reference_views_per_s=… …] device=… torch=…
# ratio = C# / PyTorch with the same batched GPU augmentation. C# side: the published app ($SIMVAE_GPU_BUNDLE or
# artifacts/gpu/bundle, scripts/gpu/publish.sh) when present, else a Release build with dotnet. Without a CUDA
# device (and no --device cpu) it prints "skipped: no CUDA device" and "RESULT gpu skipped=1" and exits 0.
# PY_ARGS adds arguments for the Python side (e.g. --per-image --workers 16).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
bundle="${SIMVAE_GPU_BUNDLE:-$root/artifacts/gpu/bundle}"
if [ -x "$bundle/SimVae.Bench.Gpu" ]; then
  app=("$bundle/SimVae.Bench.Gpu")
elif command -v dotnet >/dev/null; then
  dotnet build "$root/bench/gpu/SimVae.Bench.Gpu.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  app=(dotnet "$root/bench/gpu/bin/Release/net10.0/SimVae.Bench.Gpu.dll")
else
  echo "bench/gpu/run.sh: no .NET and no published app at $bundle (scripts/gpu/publish.sh)" >&2
  exit 1
fi

csharp_log="$(mktemp)"; python_log="$(mktemp)"
trap 'rm -f "$csharp_log" "$python_log"' EXIT
"${app[@]}" --bench "$@" | tee "$csharp_log"
grep -q "^RESULT gpu skipped=1" "$csharp_log" && exit 0
# shellcheck disable=SC2086
"$PYTHON" "$root/bench/python/gpu_reference.py" "$@" ${PY_ARGS:-} | tee "$python_log"

"$PYTHON" - "$csharp_log" "$python_log" <<'PY'
import sys

def fields(path, tag):
    out = {}
    for line in open(path):
        if line.startswith(tag + " "):
            out.update(kv.partition("=")[::2] for kv in line.split()[1:])
    return out

cs, py = fields(sys.argv[1], "CSHARP"), fields(sys.argv[2], "PYTHON")
if py.get("skipped") == "1":
    print("RESULT gpu skipped=1 reason=python_reference_sees_no_cuda")
    sys.exit(0)

def num(d, k):
    try:
        return float(d[k])
    except (KeyError, ValueError):
        return float("nan")

r = {k: num(cs, k) for k in ["simvae_views_per_s", "simvae_bf16_views_per_s"]}
for k in ["reference_batched_views_per_s", "reference_batched_bf16_views_per_s", "reference_views_per_s", "reference_bf16_views_per_s"]:
    if k in py:
        r[k] = num(py, k)
r["ratio"] = r["simvae_views_per_s"] / r.get("reference_batched_views_per_s", float("nan"))
r["ratio_bf16"] = r["simvae_bf16_views_per_s"] / r.get("reference_batched_bf16_views_per_s", float("nan"))
fmt = lambda v: "nan" if v != v else (f"{v:.0f}" if abs(v) >= 100 else f"{v:.3f}")
print("RESULT gpu " + " ".join(f"{k}={fmt(v)}" for k, v in r.items()) + f" device={cs.get('device', '?')} torch={py.get('torch', '?')}")
PY
