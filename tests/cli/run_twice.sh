#!/usr/bin/env bash
# run_twice.sh EXPECT TRAIN DATA RUN_DIR: a short run through the command line leaves its run
# directory; resuming it has nothing left to do; a second run into it is refused and leaves
# the checkpoint as it was.
set -eu
expect=$1 train=$2 data=$3 run=$4
rm -rf "$run"
"$expect" 0 stderr "^done: 4 steps, test loss [0-9.]+ nats per example" -- \
  "$train" --data "$data" --model mlp --hidden 16 --batch 16 --epochs 1 --out "$run"
for f in config.json metrics.csv metrics.jsonl checkpoints/last.safetensors checkpoints/best.safetensors \
         samples/epoch_001.png recon/epoch_001.png; do
  [ -s "$run/$f" ] || { echo "FAIL: $run/$f missing"; exit 1; }
done
[ "$(wc -l < "$run/metrics.csv")" = 2 ] || { echo "FAIL: metrics.csv should hold a header and one record"; exit 1; }
sum=$(md5sum < "$run/checkpoints/last.safetensors")
"$expect" 0 stderr "nothing to do: the run has trained its 1 epochs" -- "$train" --resume "$run"
"$expect" 2 stderr "error: --out $run: not empty" -- "$train" --data "$data" --batch 16 --out "$run"
[ "$(md5sum < "$run/checkpoints/last.safetensors")" = "$sum" ] || { echo "FAIL: the checkpoint changed"; exit 1; }
"$expect" 0 stderr "^epoch 2: train_loss" -- "$train" --resume "$run" --epochs 2
rm -rf "$run"
echo ok
