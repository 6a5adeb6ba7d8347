#!/usr/bin/env bash
# bench/run train: C# end-to-end training throughput (TorchSharp, libtorch 2.10) vs the PyTorch reference (Debian's
# /usr/bin/python3, torch 1.13, the authors' code path), side by side, one command. Builds Release, runs the C# bench
# (SimVAE, SimCLR, VICReg at the library's default thread count = cores, then SimVAE at 1 thread, each with a per-phase
# profile), runs bench/python/train_reference.py in its thread settings with DataLoader num_workers 0 and 2, then bf16 on
# both sides, prints a table and one RESULT line.
# Step counts can be changed through the environment (defaults in brackets):
#   WARMUP [30] STEPS [300] PROFILE_STEPS [50]           C# side
#   PY_WARMUP [10] PY_STEPS [150] PY_COMPUTE_STEPS [30]  reference side
#   BF16_WARMUP BF16_STEPS BF16_PROFILE_STEPS PY_BF16_WARMUP PY_BF16_STEPS   the bf16 runs: the same as above on a
#                 CPU with native bfloat16 (avx512_bf16 or amx_bf16 in /proc/cpuinfo); elsewhere bf16 products run in
#                 scalar loops (seconds per step), so they default to a few steps.
# The reference's OpenBLAS gets OPENBLAS_CORETYPE=Haswell when the environment sets none (OpenBLAS 0.3.21 misdetects
# newer AMD cores and falls back to slow generic kernels); a value already set is left alone.
#   BLAS_LIB_DIR   a folder holding another libblas.so.3, put first on LD_LIBRARY_PATH (the reference's BLAS)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
WARMUP=${WARMUP:-30}
STEPS=${STEPS:-300}
PROFILE_STEPS=${PROFILE_STEPS:-50}
PY_WARMUP=${PY_WARMUP:-10}
PY_STEPS=${PY_STEPS:-150}
PY_COMPUTE_STEPS=${PY_COMPUTE_STEPS:-30}
PY=${REFERENCE_PYTHON:-/usr/bin/python3}
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then native_bf16=1; else native_bf16=0; fi
BF16_WARMUP=${BF16_WARMUP:-$((native_bf16 ? WARMUP : 2))}
BF16_STEPS=${BF16_STEPS:-$((native_bf16 ? STEPS : 6))}
BF16_PROFILE_STEPS=${BF16_PROFILE_STEPS:-$((native_bf16 ? PROFILE_STEPS : 3))}
PY_BF16_WARMUP=${PY_BF16_WARMUP:-$((native_bf16 ? PY_WARMUP : 1))}
PY_BF16_STEPS=${PY_BF16_STEPS:-$((native_bf16 ? PY_STEPS : 4))}
if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  export OPENBLAS_CORETYPE=Haswell
  echo "[train] OPENBLAS_CORETYPE was unset: the reference runs with OPENBLAS_CORETYPE=Haswell" >&2
fi
if [[ -n "${BLAS_LIB_DIR:-}" ]]; then
  export LD_LIBRARY_PATH="$BLAS_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
cores=$(nproc)

echo "[train] building Release ..." >&2
dotnet build "$here/SimVae.Bench.Train.csproj" -c Release -nologo -v quiet >&2
bench=(dotnet "$here/bin/Release/net10.0/SimVae.Bench.Train.dll")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "[train] load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "[train] C#: SimVAE, SimCLR, VICReg at intra-op $cores, the library's default (warm-up $WARMUP, timed $STEPS steps) ..." >&2
"${bench[@]}" --intra "$cores" --warmup "$WARMUP" --steps "$STEPS" --profile "$PROFILE_STEPS" | tee -a "$log" >&2

for blas in 1 2; do
  for threads in 1 2; do
    echo "[train] reference: torch threads $threads, OpenBLAS threads $blas (warm-up $PY_WARMUP, timed $PY_STEPS steps) ..." >&2
    OPENBLAS_NUM_THREADS=$blas "$PY" "$root/bench/python/train_reference.py" --torch-threads "$threads" --blas-threads "$blas" \
      --workers 0 2 --warmup "$PY_WARMUP" --steps "$PY_STEPS" --compute-steps "$PY_COMPUTE_STEPS" \
      | sed 's/^/REFERENCE /' | tee -a "$log" >&2
  done
done

echo "[train] C#: SimVAE at intra-op 1 ..." >&2
"${bench[@]}" --intra 1 --methods simvae --warmup "$WARMUP" --steps "$STEPS" --profile "$PROFILE_STEPS" | tee -a "$log" >&2

echo "[train] native bf16: $native_bf16. C#: SimVAE in bf16 at intra-op $cores (warm-up $BF16_WARMUP, timed $BF16_STEPS steps) ..." >&2
"${bench[@]}" --precision bf16 --intra "$cores" --methods simvae --warmup "$BF16_WARMUP" --steps "$BF16_STEPS" --profile "$BF16_PROFILE_STEPS" | tee -a "$log" >&2
bf16_workers=(0 2); ((native_bf16)) || bf16_workers=(0)
echo "[train] reference in bf16 autocast: torch threads $cores, OpenBLAS 1 (warm-up $PY_BF16_WARMUP, timed $PY_BF16_STEPS steps) ..." >&2
OPENBLAS_NUM_THREADS=1 "$PY" "$root/bench/python/train_reference.py" --bf16 --torch-threads "$cores" --blas-threads 1 \
  --workers "${bf16_workers[@]}" --warmup "$PY_BF16_WARMUP" --steps "$PY_BF16_STEPS" --compute-steps "$((native_bf16 ? PY_COMPUTE_STEPS : 0))" \
  | sed 's/^/REFERENCE /' | tee -a "$log" >&2
echo "[train] load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PY" "$here/report.py" "$log" "$cores"
