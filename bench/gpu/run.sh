#!/usr/bin/env bash
# bench/run gpu [--device auto|cuda|cpu] [--smoke] [--steps N] [--warmup N] [--no-amp]
# The C# GPU benchmarks (bench/gpu) and the PyTorch reference (bench/python/gpu_reference.py) on the same device,
# then one line:
#   RESULT gpu simvae_views_per_s=… reference_views_per_s=… ratio=… simclr_resnet18_views_per_s=…
#              simclr_reference_views_per_s=… featurizer_images_per_s=… (+ bf16, batched-reference and ratio keys)
# C# side: the published app ($SIMVAE_GPU_BUNDLE or artifacts/gpu/bundle, see scripts/gpu/publish.sh) when present,
# else a Release build with dotnet. Without a CUDA device (and no --device cpu) it prints "skipped: no CUDA
# device" and "RESULT gpu skipped=1" and exits 0. PY_ARGS adds arguments for the Python side (e.g. --workers 16).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
bundle="${SIMVAE_GPU_BUNDLE:-$root/artifacts/gpu/bundle}"
if [ -z "${SIMVAE_GPU_BUNDLE:-}" ] && command -v dotnet >/dev/null; then
  # A machine with .NET: build and run from the repository (its native library comes with the build).
  dotnet build "$root/bench/gpu/SimVae.Bench.Gpu.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >&2
  app=(dotnet "$root/bench/gpu/bin/Release/net10.0/SimVae.Bench.Gpu.dll")
elif [ -x "$bundle/SimVae.Bench.Gpu" ]; then
  # The published app carries no native library: it is built for the local libtorch (scripts/gpu/run.sh does it).
  if [ -z "${SIMVAE_NATIVE_LIBRARY:-}" ] && [ ! -f "$bundle/libsimvae_native.so" ]; then
    echo "bench/gpu/run.sh: set SIMVAE_NATIVE_LIBRARY to a library from scripts/gpu/build-native.sh, or use scripts/gpu/run.sh" >&2
    exit 1
  fi
  app=("$bundle/SimVae.Bench.Gpu")
else
  echo "bench/gpu/run.sh: no .NET and no published app at $bundle (scripts/gpu/publish.sh)" >&2
  exit 1
fi

csharp_log="$(mktemp)"; python_log="$(mktemp)"
trap 'rm -f "$csharp_log" "$python_log"' EXIT
"${app[@]}" --bench "$@" | tee "$csharp_log"
if grep -q "^RESULT gpu skipped=1" "$csharp_log"; then
  exit 0   # the app printed "skipped: no CUDA device" and the RESULT line
fi
# shellcheck disable=SC2086
OPENBLAS_NUM_THREADS=1 "$PYTHON" "$root/bench/python/gpu_reference.py" "$@" ${PY_ARGS:-} | tee "$python_log"

"$PYTHON" - "$csharp_log" "$python_log" <<'PY'
import sys

def fields(path, tag):
    out = {}
    for line in open(path):
        if line.startswith(tag + " "):
            for kv in line.split()[1:]:
                k, _, v = kv.partition("=")
                out[k] = v
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

def fmt(v):
    return "nan" if v != v else (f"{v:.0f}" if abs(v) >= 100 else f"{v:.3f}")

r = {}
r["simvae_views_per_s"] = num(cs, "simvae_views_per_s")
r["reference_views_per_s"] = num(py, "reference_views_per_s")
r["ratio"] = r["simvae_views_per_s"] / r["reference_views_per_s"]
r["simclr_resnet18_views_per_s"] = num(cs, "simclr_resnet18_views_per_s")
r["simclr_reference_views_per_s"] = num(py, "simclr_reference_views_per_s")
r["featurizer_images_per_s"] = num(cs, "featurizer_images_per_s")
extra = {
    "simvae_bf16_views_per_s": num(cs, "simvae_bf16_views_per_s"),
    "reference_bf16_views_per_s": num(py, "reference_bf16_views_per_s"),
    "reference_batched_views_per_s": num(py, "reference_batched_views_per_s"),
    "reference_batched_bf16_views_per_s": num(py, "reference_batched_bf16_views_per_s"),
    "simclr_resnet18_bf16_views_per_s": num(cs, "simclr_resnet18_bf16_views_per_s"),
    "simclr_reference_bf16_views_per_s": num(py, "simclr_reference_bf16_views_per_s"),
    "simclr_e2e_views_per_s": num(cs, "simclr_e2e_views_per_s"),
    "featurizer_bf16_images_per_s": num(cs, "featurizer_bf16_images_per_s"),
    "featurizer_reference_images_per_s": num(py, "featurizer_reference_images_per_s"),
    "featurizer_reference_bf16_images_per_s": num(py, "featurizer_reference_bf16_images_per_s"),
    "featurizer_mlp_images_per_s": num(cs, "featurizer_mlp_images_per_s"),
}
extra["ratio_batched"] = r["simvae_views_per_s"] / extra["reference_batched_views_per_s"]
extra["simclr_ratio"] = r["simclr_resnet18_views_per_s"] / r["simclr_reference_views_per_s"]
extra["simclr_bf16_ratio"] = extra["simclr_resnet18_bf16_views_per_s"] / extra["simclr_reference_bf16_views_per_s"]
best_simvae = max(r["simvae_views_per_s"], extra["simvae_bf16_views_per_s"])
line = "RESULT gpu " + " ".join(f"{k}={fmt(v)}" for k, v in list(r.items()) + list(extra.items()))
line += f" device={cs.get('device', '?')} torch={py.get('torch', '?')}"
if cs.get("device", "").startswith("cuda"):
    # Targets (H100): SimVAE >= 100,000 views/s and >= 5x the per-image reference; SimCLR within 10% of eager.
    simvae_ok = best_simvae >= 100_000 and best_simvae / r["reference_views_per_s"] >= 5
    simclr_ok = max(extra["simclr_ratio"], extra["simclr_bf16_ratio"]) >= 0.9
    line += f" target_simvae={'met' if simvae_ok else 'missed'} target_simclr={'met' if simclr_ok else 'missed'}"
print(line)
PY
