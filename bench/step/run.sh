#!/usr/bin/env bash
# bench/step: one MLP training step, C# (TorchSharp, libtorch 2.10, FusedAdam) side by side with PyTorch (Debian's
# /usr/bin/python3, torch 1.13 with OpenBLAS, the authors' stack), plus per-operator call overhead. Builds Release, runs both sides interleaved, prints a
# table and a final line:
#   RESULT step csharp_ms=X python_ms=Y ratio=Z op_overhead_us=W python_op_overhead_us=V csharp_bf16_ms=A python_bf16_ms=B ratio_bf16=C bf16_native=0|1
# csharp_ms and python_ms: each side in its best thread setting (both are run in the same four-ish settings); ratio = python/csharp.
#
# Environment knobs:
#   ROUNDS=1        how many times to run the whole interleaved set (a config's result = the minimum of its
#                   per-process medians; noise from other processes only ever adds time)
#   WARMUP=20 STEPS=50 REPEATS=5   per process: warm-up steps, steps per repeat, repeats (median taken)
#   BLAS_LIB_DIR=   a folder holding an optimised libblas.so.3 (e.g. OpenBLAS) to put first on LD_LIBRARY_PATH
#                   for BOTH sides; see README.md (this image ships only the reference BLAS)
#   PY_FOREACH=0    1 adds Python rows with Adam(foreach=True) (not PyTorch 1.13's CPU default)
#   NO_BUILD=0      1 skips the dotnet build
#   BF16_WARMUP BF16_STEPS BF16_REPEATS   the bf16 rows (both sides under CPU autocast, libtorch threads = cores,
#                   OpenBLAS 1): the same as above on a CPU with native bfloat16 (avx512_bf16/amx_bf16), else 1/2/1,
#                   since bf16 products then run in scalar loops (seconds per step)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-1}" WARMUP="${WARMUP:-20}" STEPS="${STEPS:-50}" REPEATS="${REPEATS:-5}"
PY=/usr/bin/python3
COMMON=(--warmup "$WARMUP" --steps "$STEPS" --repeats "$REPEATS")
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then NATIVE_BF16=1; else NATIVE_BF16=0; fi
BF16=(--warmup "${BF16_WARMUP:-$((NATIVE_BF16 ? WARMUP : 1))}" --steps "${BF16_STEPS:-$((NATIVE_BF16 ? STEPS : 2))}" --repeats "${BF16_REPEATS:-$((NATIVE_BF16 ? REPEATS : 1))}")
CORES=$(nproc)

if [[ "${NO_BUILD:-0}" != 1 ]]; then
  dotnet build "$ROOT/bench/step/SimVae.Bench.Step.csproj" -c Release -nologo -v q >&2
fi
DLL="$ROOT/bench/step/bin/Release/net10.0/SimVae.Bench.Step.dll"
[[ -f "$DLL" ]] || { echo "missing $DLL (build failed?)" >&2; exit 1; }
[[ -x "$PY" ]] || { echo "missing $PY (Debian python3 with python3-torch)" >&2; exit 1; }

if [[ -n "${BLAS_LIB_DIR:-}" ]]; then
  export LD_LIBRARY_PATH="$BLAS_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
BLAS_IN_USE="$("$PY" -c '
import torch, re
for l in open("/proc/self/maps"):
    m = re.search(r"(/\S*(?:blas|openblas)\S*\.so\S*)", l)
    if m: print(m.group(1)); break
else: print("none")')"
echo "# BLAS library loaded: $BLAS_IN_USE" >&2
case "$BLAS_IN_USE" in
  */blas/libblas.so*) echo "# WARNING: this is the netlib REFERENCE BLAS (single-threaded, ~5 GFLOP/s); matmuls dominate. See README.md." >&2 ;;
esac

if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
  export OPENBLAS_CORETYPE=Haswell   # OpenBLAS 0.3.21 misdetects newer AMD cores; a value already set is left alone
  echo "# OPENBLAS_CORETYPE was unset: the reference runs with Haswell kernels" >&2
fi
LOG="$(mktemp)"; trap 'rm -f "$LOG"' EXIT
# cs/py THREADS BLAS [ARGS...]: later arguments override the COMMON step counts.
cs() { dotnet "$DLL" --threads "$1" "${COMMON[@]}" "${@:3}" | tee -a "$LOG" >&2; }
py() { OPENBLAS_NUM_THREADS="$2" "$PY" "$ROOT/bench/python/step_reference.py" --threads "$1" "${COMMON[@]}" "${@:3}" | tee -a "$LOG" >&2; }

for ((r = 1; r <= ROUNDS; r++)); do
  echo "# round $r/$ROUNDS" >&2
  cs 1 1                 # also measures op overhead
  py 1 1                 # also measures Python op overhead
  cs 2 1 --no-op
  py 2 1 --no-op
  py 1 2 --no-op
  py 2 2 --no-op
  if [[ "${PY_FOREACH:-0}" == 1 ]]; then py 1 1 --no-op --foreach; py 2 1 --no-op --foreach; fi
  cs "$CORES" 1 --no-op --precision bf16 "${BF16[@]}"
  py "$CORES" 1 --no-op --bf16 "${BF16[@]}"
done

"$PY" - "$LOG" "$BLAS_IN_USE" "$NATIVE_BF16" <<'PYEOF'
import sys, math
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if not parts or parts[0] not in ("CSHARP", "PYTHON"):
        continue
    kv = dict(p.split("=", 1) for p in parts[1:])
    key = (parts[0], kv["threads"], kv["blas"], kv.get("foreach", "0"), kv.get("precision", "fp32"))
    vals = {k: float(kv.get(k, "nan")) for k in ("step_ms", "best_ms", "fwd_ms", "bwd_ms", "opt_ms", "op_us")}
    if key in rows:  # several rounds: keep the fastest per metric
        vals = {k: min(v, rows[key][k]) if not math.isnan(v) else rows[key][k] for k, v in vals.items()}
    rows[key] = vals
print(f"BLAS: {sys.argv[2]}")
print(f"{'side':<8}{'prec':>6}{'intra':>6}{'blas':>6}{'adam':>9}{'step ms':>10}{'best rep':>10}{'fwd ms':>9}{'bwd ms':>9}{'opt ms':>9}{'op µs':>8}")
for (side, th, bl, fe, pr), v in rows.items():
    adam = ("fused" if side == "CSHARP" else ("foreach" if fe == "1" else "default"))
    op = "" if math.isnan(v["op_us"]) else f"{v['op_us']:.2f}"
    print(f"{side.lower():<8}{pr:>6}{th:>6}{bl:>6}{adam:>9}{v['step_ms']:>10.2f}{v['best_ms']:>10.2f}{v['fwd_ms']:>9.2f}{v['bwd_ms']:>9.2f}{v['opt_ms']:>9.2f}{op:>8}")
fp32 = {k: v for k, v in rows.items() if k[4] == "fp32"}
def bf16_ms(side):
    return next((v["step_ms"] for k, v in rows.items() if k[0] == side and k[4] == "bf16"), float("nan"))
cs_bf16, py_bf16 = bf16_ms("CSHARP"), bf16_ms("PYTHON")
rows = fp32
cs_key = min((k for k in rows if k[0] == "CSHARP"), key=lambda k: rows[k]["step_ms"])
cs = rows[cs_key]
cs_op = next(v["op_us"] for k, v in rows.items() if k[0] == "CSHARP" and not math.isnan(v["op_us"]))
py_key = min((k for k in rows if k[0] == "PYTHON" and k[3] == "0"), key=lambda k: rows[k]["step_ms"])
py_all = min((k for k in rows if k[0] == "PYTHON"), key=lambda k: rows[k]["step_ms"])
pyv = rows[py_key]
py_op = next(v["op_us"] for k, v in rows.items() if k[0] == "PYTHON" and not math.isnan(v["op_us"]))
print(f"best C# setting: threads={cs_key[1]} blas={cs_key[2]}")
print(f"best Python setting (default Adam): threads={py_key[1]} OPENBLAS_NUM_THREADS={py_key[2]}"
      + (f"; best incl. foreach Adam: threads={py_all[1]} blas={py_all[2]} foreach={py_all[3]} {rows[py_all]['step_ms']:.2f} ms" if py_all != py_key else ""))
ratio = pyv["step_ms"] / cs["step_ms"]
print(f"RESULT step csharp_ms={cs['step_ms']:.2f} python_ms={pyv['step_ms']:.2f} ratio={ratio:.3f} "
      f"op_overhead_us={cs_op:.2f} python_op_overhead_us={py_op:.2f} "
      f"csharp_bf16_ms={cs_bf16:.2f} python_bf16_ms={py_bf16:.2f} ratio_bf16={py_bf16 / cs_bf16:.3f} bf16_native={sys.argv[3]}")
PYEOF
