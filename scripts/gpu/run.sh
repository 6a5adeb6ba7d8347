#!/usr/bin/env bash
# On the GPU machine (no .NET, no network), from the repository root, with artifacts/gpu/bundle.tar.gz (or the
# unpacked artifacts/gpu/bundle) from scripts/gpu/publish.sh carried over:
#
#   scripts/gpu/run.sh [--checks-only | --bench-only] [--steps N] [--warmup N] [--no-amp]
#
# 1. prints the environment (GPU, driver, PyTorch, CUDA, cmake, compiler);
# 2. builds libsimvae_native.so against the local PyTorch (scripts/gpu/build-native.sh);
# 3. runs the GPU checks (operators and gradients on CUDA vs CPU, a short SimVAE training run whose loss falls,
#    the step's tensors on the device, featurizer parity CPU vs GPU); a failed check makes the script fail;
# 4. runs the benchmarks side by side with the PyTorch reference (bench/gpu/run.sh = bench/run gpu).
# Logs go to $OUT when set (the device tool returns that folder), else artifacts/gpu/results.
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
[ -x "$bundle/SimVae.Bench.Gpu" ] || { echo "run.sh: no published app at $bundle: run scripts/gpu/publish.sh where .NET is installed and carry artifacts/gpu/bundle.tar.gz" >&2; exit 1; }
export SIMVAE_GPU_BUNDLE="$bundle"

echo "== environment" | tee "$logs/environment.txt"
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 || echo "nvidia-smi not available"
  "$PYTHON" -c "import torch, torchvision; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'devices', torch.cuda.device_count(), 'torchvision', torchvision.__version__)" 2>&1 || true
  cmake --version | head -1 || true
  (command -v nvcc >/dev/null && nvcc --version | tail -1) || echo "nvcc not on PATH"
  (c++ --version || g++ --version) 2>&1 | head -1
  nproc
} 2>&1 | tee -a "$logs/environment.txt"

echo "== build native (scripts/gpu/build-native.sh)"
lib="$(scripts/gpu/build-native.sh 2> >(tee "$logs/build-native.txt" >&2) | tail -1)"
export SIMVAE_NATIVE_LIBRARY="$lib"
torch_lib="$("$PYTHON" -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "SIMVAE_NATIVE_LIBRARY=$lib"

status=0
if [ "$mode" != bench ]; then
  echo "== GPU checks"
  "$bundle/SimVae.Bench.Gpu" --device cuda --checks "${args[@]}" 2>&1 | tee "$logs/checks.txt" || status=$?
  grep -q "^CHECK .* FAIL" "$logs/checks.txt" && status=1
  grep -q "^skipped: no CUDA device" "$logs/checks.txt" && { echo "run.sh: the app sees no CUDA device (see the build log: libtorch_cuda linked?)" >&2; status=1; }
fi
if [ "$mode" != checks ]; then
  echo "== benchmarks (bench/run gpu)"
  bash bench/gpu/run.sh "${args[@]}" 2>&1 | tee "$logs/bench.txt" || status=$?
fi
exit "$status"
