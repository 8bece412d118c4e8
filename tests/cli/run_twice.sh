#!/usr/bin/env bash
# run_twice.sh EXPECT TRAIN DATA RUN_DIR: a short run through the command line leaves its run
# directory; resuming it has nothing left to do; a second run into it is refused and leaves
# the checkpoint as it was; the commands on a trained model work on its checkpoint and refuse
# bad input in one line.
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

ckpt="$run/checkpoints/best.safetensors"
"$expect" 0 stdout "^importance-weighted NLL \(k=20\): [0-9.]+ nats" -- "$train" evaluate "$ckpt" --k 20
"$expect" 0 stdout "^wrote $run/s.png \(242×62\)" -- "$train" sample "$ckpt" --count 16 --out "$run/s.png"
"$expect" 0 stdout "^wrote $run/i.png" -- "$train" interpolate "$ckpt" --from 2 --to 3 --out "$run/i.png"
"$expect" 0 stdout "^wrote $run/a.csv: 16 scores" -- "$train" anomaly "$ckpt" --images "$data/t10k-images-idx3-ubyte.gz" \
  --labels "$data/t10k-labels-idx1-ubyte.gz" --out "$run/a.csv"
"$expect" 0 stdout "^most anomalous: [0-9]+ \([0-9.]+\) [0-9]+ " -- "$train" anomaly "$run" --images "$data/t10k-images-idx3-ubyte.gz" \
  --limit 10 --top 3 --grid "$run/top.png" --out "$run/top.csv"
[ "$(wc -l < "$run/top.csv")" = 11 ] && [ -s "$run/top.png" ] || { echo "FAIL: anomaly --limit/--top/--grid"; exit 1; }
"$expect" 2 stderr "error: --grid $run/g.png: give --top N too" -- "$train" anomaly "$ckpt" --images "$data/t10k-images-idx3-ubyte.gz" \
  --grid "$run/g.png" --out "$run/g.csv"
"$expect" 0 stdout '"iwae_nll": [0-9.]+' -- "$train" evaluate "$ckpt" --json --k 5
[ "$(head -1 "$run/a.csv")" = "index,label,score,recon,kl" ] && [ "$(wc -l < "$run/a.csv")" = 17 ] || { echo "FAIL: a.csv"; exit 1; }
"$expect" 2 stderr "error: --digit: this model is not conditional" -- "$train" sample "$ckpt" --digit 3 --out "$run/d.png"
"$expect" 2 stderr "error: --out $run/s.jpg: the picture is a PNG" -- "$train" sample "$ckpt" --out "$run/s.jpg"
"$expect" 2 stderr "error: --to 99: the test set has images 0–15" -- "$train" interpolate "$ckpt" --to 99 --out "$run/i.png"
"$expect" 2 stderr "error: .*Path does not exist" -- "$train" evaluate "$run/nothing.safetensors"
"$expect" 2 stderr "error: $run/config.json: not a valid safetensors file" -- "$train" evaluate "$run/config.json"
rm -rf "$run"
echo ok
