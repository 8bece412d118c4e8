#!/usr/bin/env bash
# tests/cli/mpi.sh EXPECT TRAIN DATA SCRATCH — a run over two ranks on this machine, both on
# lavapipe (mpirun --oversubscribe -np 2), as a user would start one:
#   - it trains to the same bits (metrics and checkpoint) as one process with the same shards;
#   - rank 0 alone writes the run directory;
#   - stopped by --max-steps and resumed under mpirun (its gradients now in buckets), and resumed
#     by one process, it ends as the straight run does;
#   - a rank killed or stopped mid-run ends the job (no rank waits forever), and the last
#     checkpoint is intact: a one-process run resumes from it.
set -u
expect=$1 train=$2 data=$3 scratch=$4
rm -rf "$scratch"
mkdir -p "$scratch"
for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
done
fail() { echo "FAIL: $*"; exit 1; }
# Root may run mpirun here (CI containers); every rank sees the test's driver and kernel choice.
mpirun=(mpirun --oversubscribe --allow-run-as-root -np 2)
for name in VK_DRIVER_FILES VK_ICD_FILENAMES VKVAE_KERNELS LP_NATIVE_VECTOR_WIDTH; do
  [ -n "${!name:-}" ] && mpirun+=(-x "$name")
done
# 64 images in batches of 16: 4 steps an epoch.
common=(--data "$data" --batch 16 --model mlp --hidden 16 --epochs 2 --seed 3 --gpu-timeout 60)

# The same run's losses (timings left out) and checkpoint tensors.
same_run() {
  python3 - "$1" "$2" <<'EOF' || fail "$1 and $2 differ"
import json, struct, sys
def records(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line)
        for k in ("seconds", "samples_per_s"): r.pop(k, None)
        if not r.get("partial"): out.append(r)
    return out
def tensors(d):
    b = open(d + "/checkpoints/last.safetensors", "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    return {k: b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}
a, b = sys.argv[1], sys.argv[2]
ra, rb = records(a), records(b)
if ra != rb: sys.exit("metrics differ:\n%s\n%s" % (ra, rb))
ta, tb = tensors(a), tensors(b)
bad = [k for k in ta if ta[k] != tb.get(k)]
if bad or len(ta) != len(tb): sys.exit("tensors differ: %s" % bad)
print("ok: %s and %s: the same metrics and checkpoint tensors" % (a, b))
EOF
}

"$expect" 0 stderr "done: 8 steps" -- "$train" "${common[@]}" --shards 2 --out "$scratch/one" || exit 1
"$expect" 0 stderr "data parallel: 2 replica.s., the batch of 16 in 2 shards of 8" -- \
  "${mpirun[@]}" "$train" "${common[@]}" --out "$scratch/two" || exit 1
same_run "$scratch/one" "$scratch/two"
[ -f "$scratch/two/config.json" ] || fail "rank 0 wrote no run directory"
[ "$(grep -o '"shards": *2' "$scratch/two/config.json")" ] || fail "config.json does not record the run's 2 shards"

# Stopped and resumed under mpirun; stopped under mpirun and resumed by one process.
"$expect" 0 stderr "done: 3 steps" -- "${mpirun[@]}" "$train" "${common[@]}" --max-steps 3 --out "$scratch/resumed" || exit 1
# Resumed with the gradients leaving in buckets of 16 KiB (the exchange overlapping the backward
# pass): the same bits.
"$expect" 0 stderr "gradient exchange: [0-9]+ bucket.s. a replica, each sent while" -- \
  "${mpirun[@]}" "$train" --resume "$scratch/resumed" --max-steps 0 --gpu-timeout 60 --bucket-mb 0.015625 || exit 1
same_run "$scratch/one" "$scratch/resumed"
"$expect" 0 stderr "done: 5 steps" -- "${mpirun[@]}" "$train" "${common[@]}" --max-steps 5 --out "$scratch/moved" || exit 1
"$expect" 0 stderr "done: 8 steps" -- "$train" --resume "$scratch/moved" --max-steps 0 || exit 1
same_run "$scratch/one" "$scratch/moved"

# Rank 1 killed, or stopped (a hung rank), once rank 0 has written a checkpoint: the job ends
# within the waits' bounds (--gpu-timeout 5), a stopped rank's with a line from rank 0 saying
# what it waited for; the last checkpoint is intact.
for how in KILL STOP; do
  pids=$scratch/pids-$how run=$scratch/$how
  mkdir -p "$pids"
  start=$(date +%s)
  "${mpirun[@]}" sh -c 'echo $$ > "$0/$OMPI_COMM_WORLD_RANK"; exec "$@"' "$pids" "$train" --data "$data" --batch 16 --model mlp \
    --hidden 16 --epochs 100000 --checkpoint-every 2 --gpu-timeout 5 --out "$run" > "$run.log" 2>&1 &
  job=$!
  for _ in $(seq 600); do
    [ -f "$run/checkpoints/last.safetensors" ] && [ -f "$pids/1" ] && break
    sleep 0.1
  done
  [ -f "$run/checkpoints/last.safetensors" ] || { kill "$job"; fail "no checkpoint within a minute"; }
  kill -"$how" "$(cat "$pids/1")"
  wait "$job"
  code=$?
  elapsed=$(( $(date +%s) - start ))
  [ "$code" != 0 ] || fail "the job ended with exit 0 after rank 1 got SIG$how"
  [ "$elapsed" -lt 240 ] || fail "the job took $elapsed s to end after rank 1 got SIG$how"
  if [ "$how" = STOP ]; then
    grep -q "vkvae-train: rank 0: error: waited more than 5.0 s for the other ranks' part of a step" "$run.log" ||
      { cat "$run.log"; fail "rank 0 did not say what it waited for"; }
  else
    grep -q "rank 1 .* exited on signal 9" "$run.log" || { cat "$run.log"; fail "mpirun did not name the rank that died"; }
  fi
  echo "ok: rank 1 got SIG$how: the job ended (exit $code) in $elapsed s"
  "$expect" 0 stderr "done: " -- "$train" --resume "$run" --epochs 100000 --max-steps 2 || exit 1
  echo "ok: the last checkpoint is intact"
done
