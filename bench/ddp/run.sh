#!/usr/bin/env bash
# bench/run ddp: data-parallel overhead on this machine. Trains SimVAE (the authors' MLP, FashionMNIST-sized
# synthetic images, global batch 64 × 2 views) once as one process with all threads and once as 2 local workers
# (--nproc-per-node 2, the threads split between them, Gloo over loopback), and reports both throughputs and the
# time each step spends in the gradient all-reduce, for several bucket sizes. Prints, last:
#   RESULT ddp world=2 views_per_s_1proc=… views_per_s_2proc=… allreduce_ms_per_step=… overhead_pct=… bucket_kb=…
# overhead_pct = all-reduce time / step time of the 2-worker run (default bucket size).
# Collectives: Gloo through native/ (libsimvae_gloo.so), CPU only.
# Environment (defaults in brackets): STEPS [40] timed steps after WARMUP [10]; THREADS [all processors]; BUCKETS_KB [256 1024 65536].
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
STEPS=${STEPS:-40}
WARMUP=${WARMUP:-10}
THREADS=${THREADS:-$(nproc)}
BUCKETS_KB=${BUCKETS_KB:-"256 1024 65536"}
DEFAULT_KB=1024
echo "[ddp] building Release ..." >&2
dotnet build "$root/src/SimVae.Cli/SimVae.Cli.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
cli=(dotnet "$root/src/SimVae.Cli/bin/Release/net10.0/SimVae.Cli.dll")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((29600 + RANDOM % 300))
common=(train --method simvae --dataset synthetic --limit 4096 --batch-size 64 --max-steps $((WARMUP + STEPS)) --log-every "$WARMUP"
        --checkpoint-every 100000 --quiet)

# mean of views_per_s and allreduce_ms_per_step over the reports after the first (the warm-up)
summarise() { python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][1:]
v = sum(r["views_per_s"] for r in rows) / len(rows)
a = sum(r.get("allreduce_ms_per_step", 0) for r in rows) / len(rows)
print(f"{v:.1f} {a:.2f}")
PY
}

echo "[ddp] load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "[ddp] 1 process, $THREADS thread(s) ..." >&2
(cd "$work" && "${cli[@]}" "${common[@]}" --threads "$THREADS" --output one.simvae --metrics one.jsonl)
read -r one _ < <(summarise "$work/one.jsonl")
echo "[ddp]   $one views/s" >&2
declare -A views allreduce
for kb in $BUCKETS_KB; do
  echo "[ddp] 2 workers, $THREADS thread(s) split, bucket $kb KiB ..." >&2
  port=$((port + 1))
  (cd "$work" && "${cli[@]}" "${common[@]}" --threads "$THREADS" --nproc-per-node 2 --master-port "$port" --bucket-kb "$kb" \
     --output two.simvae --metrics "two-$kb.jsonl")
  read -r v a < <(summarise "$work/two-$kb.jsonl")
  views[$kb]=$v; allreduce[$kb]=$a
  echo "[ddp]   $v views/s, all-reduce $a ms/step" >&2
done
echo "[ddp] load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
v=${views[$DEFAULT_KB]:-${views[${BUCKETS_KB%% *}]}}
a=${allreduce[$DEFAULT_KB]:-${allreduce[${BUCKETS_KB%% *}]}}
overhead=$(python3 -c "print(f'{100 * $a / (1000 * 128 / $v):.1f}')")
echo "RESULT ddp world=2 views_per_s_1proc=$one views_per_s_2proc=$v allreduce_ms_per_step=$a overhead_pct=$overhead bucket_kb=$DEFAULT_KB"
