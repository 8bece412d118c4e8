#!/usr/bin/env bash
# bench/streaming.sh DATA [MODEL] — what streaming the training set from host memory costs: the
# same run with the data on the device and streamed (the binding limit forced low so that it
# must), alternated ROUNDS times, as Markdown. Each run trains STEPS steps from the same seed;
# the figure is samples/s over the run's record (after the first steps' pipeline builds) and
# both runs must end at the same loss. Round 0 (not counted) builds both runs' pipelines into the
# cache.
# Environment: ROUNDS (default 3), STEPS (default 200), LIMIT (VKVAE_MAX_BINDING_BYTES of the
# streamed runs, default 8388608), OUT (default bench-out/streaming).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=$1 model=${2:-mlp}
rounds=${ROUNDS:-3} steps=${STEPS:-200} limit=${LIMIT:-8388608} out=${OUT:-$root/bench-out/streaming}
train="$root/build/apps/train/vkvae-train"
rm -rf "$out"
mkdir -p "$out"
# samples/s and the train loss of a run's (one) record
record() { python3 -c 'import csv, sys; r = list(csv.DictReader(open(sys.argv[1])))[-1]; print(r["samples_per_s"], r["train_loss"])' "$1/metrics.csv"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
device=() streamed=()
for r in $(seq 0 "$rounds"); do
  "$train" --data "$data" --model "$model" --max-steps "$steps" --seed 1 --out "$out/device-$r" 2> "$out/device-$r.log"
  env VKVAE_MAX_BINDING_BYTES="$limit" "$train" --data "$data" --model "$model" --max-steps "$steps" --seed 1 --out "$out/streamed-$r" \
    2> "$out/streamed-$r.log"
  grep -q "streamed from host memory" "$out/streamed-$r.log" || { echo "bench/streaming.sh: the streamed run did not stream (raise LIMIT's pressure)" >&2; exit 1; }
  read -r a loss_a < <(record "$out/device-$r")
  read -r b loss_b < <(record "$out/streamed-$r")
  [ "$loss_a" = "$loss_b" ] || { echo "bench/streaming.sh: streamed run's loss $loss_b differs from $loss_a" >&2; exit 1; }
  [ "$r" = 0 ] || device+=("$a") streamed+=("$b")
done
grep -h "^data: " "$out/streamed-1.log" | sed 's/^/    /'
echo
# The ratio of each round's pair (run one after the other), then their median: steadier than the
# ratio of medians on a shared machine.
ratios=()
for i in "${!device[@]}"; do ratios+=("$(awk -v d="${device[$i]}" -v s="${streamed[$i]}" 'BEGIN { print s / d }')"); done
echo "| data on the device (samples/s, median) | streamed (samples/s, median) | streamed / device (median of the rounds' ratios) |"
echo "| --- | --- | --- |"
md=$(median "${device[@]}") ms=$(median "${streamed[@]}") mr=$(median "${ratios[@]}")
awk -v d="$md" -v s="$ms" -v r="$mr" 'BEGIN { printf "| %.0f | %.0f | %.3f |\n", d, s, r }'
echo
echo "runs: device ${device[*]}; streamed ${streamed[*]}"
