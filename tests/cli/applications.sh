#!/usr/bin/env bash
# applications.sh EXPECT TRAIN DATA DIR: encode, decode, denoise, inpaint and augment through the
# command line on small trained models (unconditional and conditional): what each writes and
# prints, and one-line refusals of bad input that leave existing files as they were.
set -eu
expect=$1 train=$2 data=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
for model in mlp cmlp; do
  "$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$data" --model $model --hidden 16 --batch 16 --epochs 1 --out "$dir/$model"
done
# Checkpoint files: a run directory would add a line on stderr saying which one it stands for.
mlp="$dir/mlp/checkpoints/best.safetensors" cmlp="$dir/cmlp/checkpoints/best.safetensors"

# encode → decode: a latents file of the test split (16 images), back to a grid and to IDX.
"$expect" 0 stdout "^wrote $dir/z.safetensors: mu and logvar \(16×20 F32\), labels \(16 U8\)" -- \
  "$train" encode "$dir/mlp" --out "$dir/z.safetensors"
"$expect" 0 stdout '"images_per_second": [0-9.e+]+' -- "$train" encode "$mlp" --split train --limit 40 --json --out "$dir/t.safetensors"
"$expect" 0 stdout "^wrote $dir/z.png \(242×62\)" -- "$train" decode "$mlp" --latents "$dir/z.safetensors" --out "$dir/z.png"
"$expect" 0 stdout "^wrote $dir/z.idx: 16 images" -- "$train" decode "$mlp" --latents "$dir/z.safetensors" --out "$dir/z.idx"
[ "$(stat -c %s "$dir/z.idx")" = $((16 + 16 * 784)) ] || fail "z.idx is not 16 images of 28×28"
"$expect" 0 stdout '"images": 16,' -- "$train" decode "$mlp" --latents "$dir/z.safetensors" --json --out "$dir/z2.idx"
cmp "$dir/z.idx" "$dir/z2.idx" || fail "decode is not deterministic"
"$expect" 0 stdout "^wrote $dir/l.png" -- "$train" decode "$mlp" --latents "$dir/z.safetensors" --tensor logvar --limit 4 --out "$dir/l.png"
"$expect" 2 stderr "error: --latents $dir/z.safetensors: no tensor 'z' \(it holds mu, logvar, labels\). name one with --tensor" -- \
  "$train" decode "$mlp" --latents "$dir/z.safetensors" --tensor z --out "$dir/x.png"
"$expect" 2 stderr "error: --latents $dir/z.safetensors: tensor 'labels' is U8 \(16,\). this model decodes F32 \(N, 20\)" -- \
  "$train" decode "$mlp" --latents "$dir/z.safetensors" --tensor labels --out "$dir/x.png"
"$expect" 2 stderr "error: --out $dir/x.jpg: the output is a picture \(\*.png\) or the images as IDX. name it \*.idx" -- \
  "$train" decode "$mlp" --latents "$dir/z.safetensors" --out "$dir/x.jpg"
"$expect" 2 stderr "error: --out $dir/x.npz: the latents are a safetensors file" -- "$train" encode "$mlp" --out "$dir/x.npz"
"$expect" 2 stderr "error: --class: this model is not conditional" -- \
  "$train" decode "$mlp" --latents "$dir/z.safetensors" --class 2 --out "$dir/x.png"
# A conditional model decodes the file's labels, or --class for all.
"$expect" 0 stdout "^wrote $dir/c.safetensors" -- "$train" encode "$cmlp" --out "$dir/c.safetensors"
"$expect" 0 stdout "^wrote $dir/c.png" -- "$train" decode "$cmlp" --latents "$dir/c.safetensors" --out "$dir/c.png"
"$expect" 0 stdout "^wrote $dir/c3.png" -- "$train" decode "$cmlp" --latents "$dir/c.safetensors" --class 3 --out "$dir/c3.png"
"$expect" 2 stderr "error: --class 12: this model has classes 0–9" -- \
  "$train" decode "$cmlp" --latents "$dir/c.safetensors" --class 12 --out "$dir/x.png"
[ ! -e "$dir/x.png" ] || fail "a refused decode wrote x.png"

# sample: a conditional model's default grid has a row for every digit (10 rows of 8).
"$expect" 0 stdout "^wrote $dir/cs.png \(242×302\)" -- "$train" sample "$cmlp" --out "$dir/cs.png"
"$expect" 0 stdout "^wrote $dir/ms.png \(242×242\)" -- "$train" sample "$mlp" --out "$dir/ms.png"

# denoise: the figures, as text and as JSON.
"$expect" 0 stdout "^denoised: MSE [0-9.]+, PSNR [0-9.]+ dB" -- \
  "$train" denoise "$mlp" --images "$data" --noise salt-pepper:0.2 --out "$dir/d.png"
"$expect" 0 stdout '"denoised_psnr": [0-9.]+' -- \
  "$train" denoise "$mlp" --images "$data/t10k-images-idx3-ubyte.gz" --noise gaussian:0.3 --show 5 --json --out "$dir/d.png"
# --json prints the JSON alone: every command's stdout parses as one object.
for command in "denoise $mlp --images $data" "inpaint $mlp --images $data --iterations 1" "encode $mlp" "augment $mlp --count 3 --out $dir/j"; do
  out=$dir/out.png
  case $command in encode*) out=$dir/j.safetensors ;; augment*) out= ;; esac
  # shellcheck disable=SC2086
  "$train" $command --json ${out:+--out "$out"} > "$dir/j.json" || fail "$command --json exited $?"
  [ "$(head -c 1 "$dir/j.json")" = "{" ] && [ "$(tail -n 1 "$dir/j.json")" = "}" ] || fail "$command --json printed: $(cat "$dir/j.json")"
done
"$train" decode "$mlp" --latents "$dir/z.safetensors" --json --out "$dir/j.png" > "$dir/j.json"
[ "$(head -c 1 "$dir/j.json")" = "{" ] || fail "decode --json printed: $(cat "$dir/j.json")"
"$expect" 0 stdout '"noisy_mse": 0.0,' -- "$train" denoise "$mlp" --images "$data" --noise none --json --out "$dir/d.png"
"$expect" 2 stderr "error: --noise gaussian:-1: give gaussian:σ with σ > 0" -- \
  "$train" denoise "$mlp" --images "$data" --noise gaussian:-1 --out "$dir/d.png"
"$expect" 2 stderr "error: --images $dir/none: no such file or directory" -- "$train" denoise "$mlp" --images "$dir/none" --out "$dir/d.png"
"$expect" 2 stderr "error: --labels: a conditional model needs the images' labels" -- \
  "$train" denoise "$cmlp" --images "$data/t10k-images-idx3-ubyte.gz" --out "$dir/d.png"
"$expect" 0 stdout "^noisy: " -- "$train" denoise "$cmlp" --images "$data/t10k-images-idx3-ubyte.gz" \
  --labels "$data/t10k-labels-idx1-ubyte.gz" --out "$dir/d.png"

# inpaint: the error over the hidden pixels at each iteration; masks of every kind.
"$expect" 0 stdout "^MSE over the hidden pixels: inpainted [0-9.]+, mean-image baseline [0-9.]+" -- \
  "$train" inpaint "$mlp" --images "$data" --iterations 3 --out "$dir/p.png"
"$expect" 0 stdout '"mse_by_iteration": \[' -- "$train" inpaint "$cmlp" --images "$data" --mask left-half --z mean --iterations 2 --json \
  --out "$dir/p.png"
"$expect" 0 stdout '"baseline_mse"' -- "$train" inpaint "$mlp" --images "$data" --mask random:0.4 --iterations 1 --json --out "$dir/p.png"
"$expect" 2 stderr "error: --mask file:$dir/z.png: 62×242 pixels. the images are 28×28" -- \
  "$train" inpaint "$mlp" --images "$data" --mask "file:$dir/z.png" --out "$dir/p.png"
"$expect" 2 stderr "error: --mask center:30x30: larger than the images \(28×28\)" -- \
  "$train" inpaint "$mlp" --images "$data" --mask center:30x30 --out "$dir/p.png"
"$expect" 2 stderr "error: --z median: sample" -- "$train" inpaint "$mlp" --images "$data" --z median --out "$dir/p.png"

# augment: IDX files that train like real data; never over existing ones.
"$expect" 0 stdout "^wrote $dir/aug/train-images-idx3-ubyte: 50 generated images, 28×28 grey u8, and $dir/aug/train-labels-idx1-ubyte" -- \
  "$train" augment "$cmlp" --per-class 5 --out "$dir/aug"
"$expect" 0 stdout "^wrote $dir/aug/t10k-images-idx3-ubyte: 16 generated images" -- \
  "$train" augment "$cmlp" --count 16 --split test --out "$dir/aug"
[ "$(stat -c %s "$dir/aug/train-labels-idx1-ubyte")" = $((8 + 50)) ] || fail "augment's labels file"
sum=$(md5sum < "$dir/aug/train-images-idx3-ubyte")
"$expect" 2 stderr "error: --out $dir/aug: train-images-idx3-ubyte exists. augment never overwrites data" -- \
  "$train" augment "$cmlp" --per-class 5 --out "$dir/aug"
[ "$(md5sum < "$dir/aug/train-images-idx3-ubyte")" = "$sum" ] || fail "a refused augment changed the data"
"$expect" 0 stderr "^done: 3 steps" -- "$train" --data "$dir/aug" --model cmlp --hidden 16 --batch 16 --epochs 1 --out "$dir/on-aug"
"$expect" 2 stderr "error: --per-class: this model is not conditional" -- "$train" augment "$mlp" --per-class 5 --out "$dir/aug2"
"$expect" 2 stderr "error: --per-class: give it or --count, not both" -- "$train" augment "$cmlp" --per-class 5 --count 3 --out "$dir/aug2"
"$expect" 2 stderr "error: --count: give the number of images" -- "$train" augment "$mlp" --out "$dir/aug2"
"$expect" 0 stdout "^wrote $dir/aug2/train-images-idx3-ubyte: 7 generated images, 28×28 grey u8 \(" -- \
  "$train" augment "$mlp" --count 7 --out "$dir/aug2"
[ ! -e "$dir/aug2/train-labels-idx1-ubyte" ] || fail "an unconditional model's augment wrote labels"
rm -rf "$dir"
echo ok
