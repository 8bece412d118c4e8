#!/usr/bin/env bash
# bench/quality.sh [MODEL...] — each recipe trained side by side by vkvae-train and by the
# repo's PyTorch reference (scripts/vkvae_torch.py train, Debian's python3-torch) on the full
# MNIST for EPOCHS (default 10) epochs; prints a Markdown table of the final test losses (nats
# per example) for docs/BENCHMARKS.md. The issue's bar: vkvae ≤ PyTorch + 0.5.
# Environment: EPOCHS, OUT (default bench-out/quality), DATA (default data/mnist).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epochs=${EPOCHS:-10} out=${OUT:-$root/bench-out/quality} data=${DATA:-$root/data/mnist}
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(mlp conv cmlp cconv mlp2)
train="$root/build/apps/train/vkvae-train"
python=/usr/bin/python3  # Debian's, which has python3-torch
mkdir -p "$out"
echo "| model | epochs | vkvae test loss | PyTorch test loss | difference | vkvae samples/s | PyTorch samples/s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for model in "${models[@]}"; do
  rm -rf "$out/$model-vkvae"
  "$train" --model "$model" --epochs "$epochs" --data "$data" --out "$out/$model-vkvae" > "$out/$model-vkvae.log" 2>&1
  "$python" "$root/scripts/vkvae_torch.py" train "$model" --epochs "$epochs" --data "$data" --out "$out/$model-torch.jsonl" \
    > "$out/$model-torch.log" 2>&1
  "$python" - "$out/$model-vkvae/metrics.jsonl" "$out/$model-torch.jsonl" "$model" "$epochs" <<'PY'
import json, statistics, sys
ours = [json.loads(l) for l in open(sys.argv[1])]
theirs = [json.loads(l) for l in open(sys.argv[2])]
a, b = ours[-1]["test_loss"], theirs[-1]["test_loss"]
speed = lambda records: statistics.median(r["samples_per_s"] for r in records)
print(f"| {sys.argv[3]} | {sys.argv[4]} | {a:.2f} | {b:.2f} | {a - b:+.2f} | {speed(ours):.0f} | {speed(theirs):.0f} |")
PY
done
