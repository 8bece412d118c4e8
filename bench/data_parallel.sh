#!/usr/bin/env bash
# bench/data_parallel.sh DATA [MODEL…] — where a data-parallel step's time goes, from the step
# profile (--profile) of each model: one replica (the batch in one shard, and in two), and two
# replicas (--devices D,D: a shard each). For the two replicas the profile splits the step into
# the host waiting for the devices, the exchange of gradients through host memory and the rest
# of the host's work, and times one replica's step on its device into computing and staging (the
# copies to and from host-visible memory). ROUNDS profiles of each, alternated; medians.
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
rm -rf "$out"
mkdir -p "$out"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The number before `unit` in the first line of `file` matching `pattern`.
figure() { grep -m1 -- "$2" "$1" | sed -E "s|.*[^0-9.]([0-9.]+) $3.*|\1|"; }

echo "| model | run | ms a step | samples/s | waiting for the devices (ms) | exchange (ms) | device: computing (ms) | device: staging (ms) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for model in "${models[@]}"; do
  declare -A ms=() rate=() wait=() exchange=() compute=() staging=()
  for r in $(seq 1 "$rounds"); do
    for run in one-shard two-shards two-replicas; do
      flags=(--device "$device")
      [ "$run" = two-shards ] && flags+=(--shards 2)
      [ "$run" = two-replicas ] && flags=(--devices "$device,$device")
      log="$out/$model-$run-$r.log"
      "$train" --data "$data" --model "$model" --batch "$batch" --max-steps "$steps" --epochs 1 --profile "${flags[@]}" \
        --out "$out/$model-$run-$r" 2> "$log" > /dev/null
      if [ "$run" = two-replicas ]; then
        ms[$run]+=" $(figure "$log" "replicas in lockstep" "ms a step")"
        rate[$run]+=" $(figure "$log" "replicas in lockstep" "samples/s")"
        wait[$run]+=" $(figure "$log" "replicas in lockstep" "ms, exchanging")"
        exchange[$run]+=" $(figure "$log" "replicas in lockstep" "ms, the rest")"
        compute[$run]+=" $(grep -m1 "replicas in lockstep" "$log" | sed -E 's/.*computing ([0-9.]+) ms.*/\1/')"
        staging[$run]+=" $(grep -m1 "replicas in lockstep" "$log" | sed -E 's/.*staging ([0-9.]+) ms.*/\1/')"
      else
        ms[$run]+=" $(grep -m1 "^training's own path" "$log" | sed -E 's/.*in flight\): ([0-9.]+) ms a step.*/\1/')"
        rate[$run]+=" $(figure "$log" "^host: recording" "samples/s")"
      fi
    done
  done
  for run in one-shard two-shards two-replicas; do
    # shellcheck disable=SC2086
    row="| $model | $run | $(median ${ms[$run]}) | $(median ${rate[$run]})"
    if [ "$run" = two-replicas ]; then
      # shellcheck disable=SC2086
      row+=" | $(median ${wait[$run]}) | $(median ${exchange[$run]}) | $(median ${compute[$run]}) | $(median ${staging[$run]}) |"
    else
      row+=" | — | — | — | — |"
    fi
    echo "$row"
  done
  unset ms rate wait exchange compute staging
done
echo
echo "device: $(grep -m1 '^device: ' "$out/${models[0]}-one-shard-1.log" | sed 's/^device: //'); $steps profiled steps of batch $batch, $rounds rounds"
