#!/usr/bin/env bash
# bench/run train: C# end-to-end training throughput vs the PyTorch reference, side by side, one command.
# Builds Release, runs the C# bench (SimVAE, SimCLR, VICReg at 1 intra-op / 2 BLAS threads, then SimVAE at 2 / 1,
# each with a per-phase profile), runs bench/python/train_reference.py (Debian's /usr/bin/python3, torch 1.13) in all
# four thread settings with DataLoader num_workers 0 and 2, prints a table and one RESULT line.
# Step counts can be changed through the environment (defaults in brackets):
#   WARMUP [30] STEPS [300] PROFILE_STEPS [50]           C# side
#   TRACE_STEPS [10]  steps recorded by OperatorProfiler (per-operator self time; 0 = none) in the first and bf16 runs
#   PY_WARMUP [10] PY_STEPS [150] PY_COMPUTE_STEPS [30]  reference side
#   BF16_WARMUP BF16_STEPS BF16_PROFILE_STEPS PY_BF16_WARMUP PY_BF16_STEPS   the bf16 runs: the same as above on a
#                 CPU with native bfloat16 (avx512_bf16 or amx_bf16 in /proc/cpuinfo); elsewhere libtorch runs bf16
#                 matrix products in scalar loops (~1 GFLOP/s, seconds per step), so they default to a few steps.
#   BLAS_LIB_DIR  a folder holding libblas.so.3 (e.g. OpenBLAS's) put first on LD_LIBRARY_PATH for BOTH sides;
#                 see README.md: Debian's default libblas.so.3 here is the slow netlib reference BLAS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
WARMUP=${WARMUP:-30}
STEPS=${STEPS:-300}
PROFILE_STEPS=${PROFILE_STEPS:-50}
TRACE_STEPS=${TRACE_STEPS:-10}
PY_WARMUP=${PY_WARMUP:-10}
PY_STEPS=${PY_STEPS:-150}
PY_COMPUTE_STEPS=${PY_COMPUTE_STEPS:-30}
PY=${REFERENCE_PYTHON:-/usr/bin/python3}
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then native_bf16=1; else native_bf16=0; fi
BF16_WARMUP=${BF16_WARMUP:-$((native_bf16 ? WARMUP : 2))}
BF16_STEPS=${BF16_STEPS:-$((native_bf16 ? STEPS : 6))}
BF16_PROFILE_STEPS=${BF16_PROFILE_STEPS:-$((native_bf16 ? PROFILE_STEPS : 3))}
BF16_TRACE_STEPS=${BF16_TRACE_STEPS:-$((native_bf16 ? TRACE_STEPS : 2))}
PY_BF16_WARMUP=${PY_BF16_WARMUP:-$((native_bf16 ? PY_WARMUP : 1))}
PY_BF16_STEPS=${PY_BF16_STEPS:-$((native_bf16 ? PY_STEPS : 4))}

if [[ -n "${BLAS_LIB_DIR:-}" ]]; then
  export LD_LIBRARY_PATH="$BLAS_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "[train] BLAS from $BLAS_LIB_DIR (both sides)" >&2
fi
echo "[train] building Release ..." >&2
dotnet build "$here/SimVae.Bench.Train.csproj" -c Release -nologo -v quiet >&2
bench=(dotnet "$here/bin/Release/net10.0/SimVae.Bench.Train.dll")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "[train] load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "[train] C#: SimVAE, SimCLR, VICReg at intra-op 1 / BLAS 2, the library default on 2 cores (warm-up $WARMUP, timed $STEPS steps) ..." >&2
"${bench[@]}" --intra 1 --blas 2 --warmup "$WARMUP" --steps "$STEPS" --profile "$PROFILE_STEPS" --trace "$TRACE_STEPS" | tee -a "$log" >&2

for blas in 1 2; do
  for threads in 1 2; do
    echo "[train] reference: torch threads $threads, OpenBLAS threads $blas (warm-up $PY_WARMUP, timed $PY_STEPS steps) ..." >&2
    OPENBLAS_NUM_THREADS=$blas "$PY" "$root/bench/python/train_reference.py" --torch-threads "$threads" --blas-threads "$blas" \
      --workers 0 2 --warmup "$PY_WARMUP" --steps "$PY_STEPS" --compute-steps "$PY_COMPUTE_STEPS" \
      | sed 's/^/REFERENCE /' | tee -a "$log" >&2
  done
done

echo "[train] C#: SimVAE at intra-op 2 / BLAS 1 ..." >&2
"${bench[@]}" --intra 2 --blas 1 --methods simvae --warmup "$WARMUP" --steps "$STEPS" --profile "$PROFILE_STEPS" | tee -a "$log" >&2

# bf16 (CPU autocast): both sides at the bf16 thread default (libtorch = all cores, OpenBLAS 1; TorchRuntime.DefaultThreads).
cores=$(nproc)
echo "[train] native bf16: $native_bf16. C#: SimVAE in bf16 at intra-op $cores / BLAS 1 (warm-up $BF16_WARMUP, timed $BF16_STEPS steps) ..." >&2
"${bench[@]}" --precision bf16 --intra "$cores" --blas 1 --methods simvae --warmup "$BF16_WARMUP" --steps "$BF16_STEPS" --profile "$BF16_PROFILE_STEPS" --trace "$BF16_TRACE_STEPS" | tee -a "$log" >&2
bf16_workers=(0 2); ((native_bf16)) || bf16_workers=(0)
echo "[train] reference in bf16 autocast: torch threads $cores, OpenBLAS 1 (warm-up $PY_BF16_WARMUP, timed $PY_BF16_STEPS steps) ..." >&2
OPENBLAS_NUM_THREADS=1 "$PY" "$root/bench/python/train_reference.py" --bf16 --torch-threads "$cores" --blas-threads 1 \
  --workers "${bf16_workers[@]}" --warmup "$PY_BF16_WARMUP" --steps "$PY_BF16_STEPS" --compute-steps "$((native_bf16 ? PY_COMPUTE_STEPS : 0))" \
  | sed 's/^/REFERENCE /' | tee -a "$log" >&2
echo "[train] load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PY" "$here/report.py" "$log"
