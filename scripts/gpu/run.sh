#!/usr/bin/env bash
# On the GPU machine (no .NET needed), from the repository root, with artifacts/gpu/bundle.tar.gz (or the unpacked
# artifacts/gpu/bundle) from scripts/gpu/publish.sh:
#
#   scripts/gpu/run.sh [--checks-only | --bench-only] [--steps N] [--warmup N]
#
# 1. prints the environment (GPU, driver, PyTorch for the reference);
# 2. runs the GPU checks (bench/gpu --checks: CUDA vs CPU losses and gradients, SimVAE training on the device in
#    fp32 and bf16, FusedAdam, featurizer parity, flat memory); a failed check makes the script fail;
# 3. runs the benchmark beside the PyTorch reference (bench/gpu/run.sh = bench/run gpu) and prints its RESULT line.
# A bundle published without libtorch (TORCH_BACKEND=none) loads torch_cuda from the local PyTorch's lib folder,
# which is put on LD_LIBRARY_PATH, and needs a libLibTorchSharp.so built for that PyTorch in the bundle folder.
# Logs go to $OUT when set, else artifacts/gpu/results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
PYTHON="${PYTHON:-python3}"
logs="${OUT:-$root/artifacts/gpu/results}"
mkdir -p "$logs"
mode=all
args=()
for a in "$@"; do
  case "$a" in
    --checks-only) mode=checks ;;
    --bench-only) mode=bench ;;
    *) args+=("$a") ;;
  esac
done

bundle="${SIMVAE_GPU_BUNDLE:-$root/artifacts/gpu/bundle}"
if [ ! -x "$bundle/SimVae.Bench.Gpu" ] && [ -f "$root/artifacts/gpu/bundle.tar.gz" ]; then
  tar -C "$root/artifacts/gpu" -xzf "$root/artifacts/gpu/bundle.tar.gz"
fi
[ -x "$bundle/SimVae.Bench.Gpu" ] || { echo "run.sh: no published app at $bundle: run scripts/gpu/publish.sh where .NET is installed" >&2; exit 1; }
export SIMVAE_GPU_BUNDLE="$bundle"
if [ ! -e "$bundle/libtorch_cuda.so" ]; then
  [ -e "$bundle/libLibTorchSharp.so" ] || { echo "run.sh: the bundle has neither libtorch (TORCH_BACKEND=cuda) nor a libLibTorchSharp.so for the local PyTorch" >&2; exit 1; }
  torch_lib="$("$PYTHON" -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")"
  export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

echo "== environment" | tee "$logs/environment.txt"
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 || echo "nvidia-smi not available"
  "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'devices', torch.cuda.device_count())" 2>&1 || true
  nproc
} 2>&1 | tee -a "$logs/environment.txt"

status=0
if [ "$mode" != bench ]; then
  echo "== GPU checks"
  "$bundle/SimVae.Bench.Gpu" --device cuda --checks "${args[@]}" 2>&1 | tee "$logs/checks.txt" || status=$?
  grep -q "^CHECK .* FAIL" "$logs/checks.txt" && status=1
  grep -q "^skipped: no CUDA device" "$logs/checks.txt" && { echo "run.sh: the app sees no CUDA device" >&2; status=1; }
fi
if [ "$mode" != checks ]; then
  echo "== benchmark (bench/run gpu)"
  bash bench/gpu/run.sh --device cuda "${args[@]}" 2>&1 | tee "$logs/bench.txt" || status=$?
fi
exit "$status"
