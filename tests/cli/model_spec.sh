#!/usr/bin/env bash
# model_spec.sh EXPECT TRAIN DATA DIR: a model described by a spec file trains through the command
# line; every command then works from its checkpoint alone (the file deleted); a spec that does
# not fit the data is refused in one line naming the layer, with nothing written.
set -eu
expect=$1 train=$2 data=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
cat >"$dir/small.json" <<'SPEC'
{
  "description": "a small conditional conv VAE",
  "latent": 3,
  "conditional": true,
  "defaults": {"batch": 16},
  "encoder": [
    {"type": "conv2d", "out": 4, "kernel": 4, "stride": 2, "padding": 1, "activation": "leaky_relu", "slope": 0.2},
    {"type": "flatten"},
    {"type": "linear", "out": 16, "activation": "elu"}
  ],
  "decoder": [
    {"type": "linear", "out": 196, "activation": "relu"},
    {"type": "unflatten", "shape": [4, 7, 7]},
    {"type": "conv_transpose2d", "out": 4, "kernel": 4, "stride": 2, "padding": 1, "activation": "relu"},
    {"type": "conv_transpose2d", "out": "data", "kernel": 4, "stride": 2, "padding": 1}
  ]
}
SPEC
# The spec's defaults give the batch: 64 images, 4 steps.
"$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$data" --model "$dir/small.json" --epochs 1 --out "$dir/run"
grep -q '"leaky_relu"' "$dir/run/config.json" || fail "config.json does not carry the spec"
rm "$dir/small.json"
"$expect" 0 stdout "^wrote $dir/s.png \(242×302\)" -- "$train" sample "$dir/run" --out "$dir/s.png"
"$expect" 0 stdout "^importance-weighted NLL \(k=5\)" -- "$train" evaluate "$dir/run" --data "$data" --k 5
"$expect" 0 stdout "^wrote $dir/z.safetensors: mu and logvar \(16×3 F32\)" -- "$train" encode "$dir/run" --data "$data" --out "$dir/z.safetensors"
"$expect" 0 stdout "^wrote $dir/i.png" -- "$train" interpolate "$dir/run" --data "$data" --out "$dir/i.png"
"$expect" 0 stderr "^done: 8 steps" -- "$train" --resume "$dir/run" --epochs 2

# The importance-weighted bound as the objective: trained, then evaluated like any model.
"$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$data" --model mlp --hidden 16 --batch 16 --epochs 1 --objective iwae --k 5 --out "$dir/iwae"
grep -q '"objective": "iwae"' "$dir/iwae/config.json" || fail "config.json does not keep the objective"
"$expect" 0 stdout "^importance-weighted NLL \(k=50\)" -- "$train" evaluate "$dir/iwae" --data "$data" --k 50

# A decoder that ends at the wrong size: refused before anything is written.
cat >"$dir/wrong.json" <<'SPEC'
{"latent": 2, "encoder": [{"type": "flatten"}],
 "decoder": [{"type": "linear", "out": 98}, {"type": "unflatten", "shape": [2, 7, 7]},
             {"type": "conv_transpose2d", "out": 1, "kernel": 4, "stride": 2, "padding": 1}]}
SPEC
"$expect" 2 stderr "error: --model $dir/wrong.json: decoder: ends at \(1, 14, 14\), but the data's examples are \(1, 28, 28\) \(784 values\)" -- \
  "$train" --data "$data" --model "$dir/wrong.json" --out "$dir/wrong"
[ ! -e "$dir/wrong" ] || fail "a refused spec left $dir/wrong behind"
echo '{"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 8, "actvation": "relu"}], "decoder": []}' >"$dir/typo.json"
"$expect" 2 stderr "error: --model $dir/typo.json: encoder\[1\]: unknown key \"actvation\" for a linear layer" -- \
  "$train" --data "$data" --model "$dir/typo.json" --out "$dir/typo"
"$expect" 2 stderr "error: --model $dir/none.json: no such file" -- "$train" --data "$data" --model "$dir/none.json"
echo "model specs: ok"
