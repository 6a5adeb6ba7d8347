#!/usr/bin/env bash
# bench/run train: C# end-to-end training throughput vs the PyTorch reference, side by side, one command.
# Builds Release, runs the C# bench (SimVAE, SimCLR, VICReg at 1 intra-op / 2 BLAS threads, then SimVAE at 2 / 1,
# each with a per-phase profile), runs bench/python/train_reference.py (Debian's /usr/bin/python3, torch 1.13) in all
# four thread settings with DataLoader num_workers 0 and 2, prints a table and one RESULT line.
# Step counts can be changed through the environment (defaults in brackets):
#   WARMUP [30] STEPS [300] PROFILE_STEPS [50]           C# side
#   PY_WARMUP [10] PY_STEPS [150] PY_COMPUTE_STEPS [30]  reference side
#   BLAS_LIB_DIR  a folder holding libblas.so.3 (e.g. OpenBLAS's) put first on LD_LIBRARY_PATH for BOTH sides;
#                 see README.md: Debian's default libblas.so.3 here is the slow netlib reference BLAS.
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
"${bench[@]}" --intra 1 --blas 2 --warmup "$WARMUP" --steps "$STEPS" --profile "$PROFILE_STEPS" | tee -a "$log" >&2

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
echo "[train] load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

"$PY" "$here/report.py" "$log"
