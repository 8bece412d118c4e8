#!/usr/bin/env bash
# bench/data_parallel.sh DATA [MODEL…] — where a data-parallel step's time goes, from the step
# profile (--profile) of each model: one replica (the batch in one shard, and in two); two
# replicas in one process (--devices D,D: a shard each) and two ranks (mpirun -np 2), each with
# the gradients leaving in buckets (the default --bucket-mb) and all at once (--bucket-mb 0).
# For two replicas the profile splits the step into the host waiting for the devices, the
# exchange of gradients through host memory (and the part of it after the backward pass: the
# last bucket's) and the rest of the host's work, and times one replica's step on its device
# into computing and staging (the copies to and from host-visible memory). ROUNDS profiles of
# each, alternated; medians.
# Environment: ROUNDS (default 3), STEPS (profiled steps, default 64), BATCH (default 128),
# DEVICE (the device named twice, default 0), OUT (default bench-out/data-parallel).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$1
shift
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mlp)
rounds=${ROUNDS:-3} steps=${STEPS:-64} batch=${BATCH:-128} device=${DEVICE:-0} out=${OUT:-$root/bench-out/data-parallel}
train="$root/build/apps/train/vkvae-train"
mpirun=(mpirun --oversubscribe --allow-run-as-root -np 2)
for name in VK_DRIVER_FILES VK_ICD_FILENAMES VKVAE_KERNELS LP_NATIVE_VECTOR_WIDTH; do
  [ -n "${!name:-}" ] && mpirun+=(-x "$name")
done
runs=(one-shard two-shards devices devices-unbucketed ranks ranks-unbucketed)
rm -rf "$out"
mkdir -p "$out"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The number after `before` (a sed pattern) in the first line of `file` matching `line`.
after() { grep -m1 -- "$2" "$1" | sed -E "s/.*$3 ([0-9.]+).*/\1/"; }

echo "| model | run | buckets | ms a step | samples/s | waiting for the devices (ms) | exchange (ms) | of it after the backward pass (ms) | device: computing (ms) | device: staging (ms) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for model in "${models[@]}"; do
  declare -A ms=() rate=() buckets=() wait=() exchange=() exposed=() compute=() staging=()
  for r in $(seq 1 "$rounds"); do
    for run in "${runs[@]}"; do
      launch=("$train") flags=(--device "$device")
      case $run in
        two-shards) flags+=(--shards 2) ;;
        devices*) flags=(--devices "$device,$device") ;;
        ranks*) launch=("${mpirun[@]}" "$train") ;;
      esac
      [[ $run == *-unbucketed ]] && flags+=(--bucket-mb 0)
      log="$out/$model-$run-$r.log"
      "${launch[@]}" --data "$data" --model "$model" --batch "$batch" --max-steps "$steps" --epochs 1 --profile "${flags[@]}" \
        --out "$out/$model-$run-$r" 2> "$log" > /dev/null
      if [[ $run == devices* || $run == ranks* ]]; then
        line="replicas in lockstep"
        ms[$run]+=" $(after "$log" "$line" "shards of [0-9]+:")"
        rate[$run]+=" $(after "$log" "$line" "ms a step,")"
        buckets[$run]=$(after "$log" "$line" "MB each, in")
        wait[$run]+=" $(after "$log" "$line" "waiting for the devices")"
        exchange[$run]+=" $(after "$log" "$line" "through host memory")"
        exposed[$run]+=" $(after "$log" "$line" "after the backward pass")"
        compute[$run]+=" $(after "$log" "$line" "computing")"
        staging[$run]+=" $(after "$log" "$line" "staging")"
      else
        ms[$run]+=" $(after "$log" "^training's own path" "in flight\):")"
        rate[$run]+=" $(after "$log" "^host: recording" "ms a step,")"
      fi
    done
  done
  for run in "${runs[@]}"; do
    # shellcheck disable=SC2086
    row="| $model | $run"
    if [ -n "${wait[$run]:-}" ]; then
      # shellcheck disable=SC2086
      row+=" | ${buckets[$run]} | $(median ${ms[$run]}) | $(median ${rate[$run]}) | $(median ${wait[$run]}) | $(median ${exchange[$run]}) | $(median ${exposed[$run]}) | $(median ${compute[$run]}) | $(median ${staging[$run]}) |"
    else
      # shellcheck disable=SC2086
      row+=" | — | $(median ${ms[$run]}) | $(median ${rate[$run]}) | — | — | — | — | — |"
    fi
    echo "$row"
  done
  unset ms rate buckets wait exchange exposed compute staging
done
echo
echo "device: $(grep -m1 '^device: ' "$out/${models[0]}-one-shard-1.log" | sed 's/^device: //'); $steps profiled steps of batch $batch, $rounds rounds"
