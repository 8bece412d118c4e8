#!/usr/bin/env bash
# colour_data.sh EXPECT TRAIN MAKE_DATA GREY_DATA DIR: models train on colour image folders and on
# colour IDX files (made by scripts/make_colour_mnist.py), resized with --image-size; the
# commands take colour checkpoints; data that does not fit is refused in one line, nothing written.
set -eu
expect=$1 train=$2 make_data=$3 grey=$4 dir=$5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
"$make_data" "$dir/folders" 64 16 folders

# Image folders: 28×28 RGB, ten classes from the folder names.
"$expect" 0 stderr "data: 64 training and 16 test images, 28×28 RGB, 10 classes \(image folders in $dir/folders\)" -- \
  "$train" --data "$dir/folders" --batch 16 --epochs 1 --out "$dir/conv"
grep -q '"class-names": \[' "$dir/conv/config.json" || fail "config.json does not keep the class folders' names"
"$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$dir/folders" --model cconv --hidden 16 --batch 16 --epochs 1 --out "$dir/cconv"
"$expect" 0 stdout "^wrote $dir/c.png \(242×302\)" -- "$train" sample "$dir/cconv" --out "$dir/c.png"  # a row per class
"$expect" 0 stdout "^wrote $dir/z.safetensors" -- "$train" encode "$dir/conv" --out "$dir/z.safetensors"
"$expect" 0 stdout "^wrote $dir/z.idx: 16 images, 28×28 RGB u8" -- "$train" decode "$dir/conv" --latents "$dir/z.safetensors" --out "$dir/z.idx"
[ "$(od -An -tu1 -j3 -N1 "$dir/z.idx" | tr -d ' ')" = 4 ] || fail "z.idx is not a colour (rank 4) IDX file"
[ "$(stat -c %s "$dir/z.idx")" = $((4 + 4 * 4 + 16 * 28 * 28 * 3)) ] || fail "z.idx is not 16 RGB images of 28×28"
"$expect" 0 stdout "^denoised: MSE" -- "$train" denoise "$dir/conv" --images "$dir/folders" --noise salt-pepper:0.1 --out "$dir/d.png"
"$expect" 0 stdout "^wrote $dir/i.png" -- "$train" interpolate "$dir/conv" --out "$dir/i.png"

"$expect" 0 stdout "^wrote $dir/aug/train-images-idx4-ubyte: 20 generated images, 28×28 RGB u8, and $dir/aug/train-labels-idx1-ubyte" -- \
  "$train" augment "$dir/cconv" --per-class 2 --out "$dir/aug"
[ "$(stat -c %s "$dir/aug/train-images-idx4-ubyte")" = $((4 + 4 * 4 + 20 * 28 * 28 * 3)) ] || fail "augment did not write 20 RGB images"

# Resized: the mlp spec ends at the data's size, whatever it is.
"$expect" 0 stderr "data: 64 training and 16 test images, 14×14 RGB, 10 classes" -- \
  "$train" --data "$dir/folders" --model mlp --hidden 16 --image-size 14 --batch 16 --epochs 1 --out "$dir/mlp14"
grep -q '"image-size": "14x14"' "$dir/mlp14/config.json" || fail "config.json does not keep --image-size"
"$expect" 0 stdout "^wrote $dir/m.png" -- "$train" sample "$dir/mlp14" --out "$dir/m.png"

# Colour IDX files from the repository's script.
if command -v python3 >/dev/null; then
  python3 "$here/../../scripts/make_colour_mnist.py" --from "$grey" --out "$dir/colour-idx" >/dev/null
  "$expect" 0 stderr "data: 64 training and 16 test images, 28×28 RGB, 10 classes \(IDX files in $dir/colour-idx\)" -- \
    "$train" --data "$dir/colour-idx" --batch 16 --max-steps 2 --out "$dir/idx"
  # Bad sizes and counts are refused in one line, nothing written.
  for bad in "--size -1" "--size 5000" "--train-count -5"; do
    # shellcheck disable=SC2086  # the flag and its value are two words
    err=$(python3 "$here/../../scripts/make_colour_mnist.py" --from "$grey" --out "$dir/bad-colour" $bad 2>&1) && fail "make_colour_mnist.py took $bad"
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && printf '%s\n' "$err" | grep -q "^make_colour_mnist: error: ${bad%% *} " || fail "make_colour_mnist.py $bad: $err"
    [ ! -e "$dir/bad-colour" ] || fail "make_colour_mnist.py $bad left $dir/bad-colour behind"
  done
  # Drawn at another size, and more training images than the source has.
  python3 "$here/../../scripts/make_colour_mnist.py" --from "$grey" --out "$dir/colour-12" --size 12 --train-count 100 >/dev/null
  "$expect" 0 stderr "data: 100 training and 16 test images, 12×12 RGB, 10 classes" -- \
    "$train" --data "$dir/colour-12" --model mlp --hidden 8 --batch 16 --max-steps 1 --out "$dir/idx12"
fi

# Bound in pieces, or streamed from host memory (the limit forced low): the same run, step for step.
"$expect" 0 stderr "data: training images \(49.0 KiB\) bound in 3 pieces \(one binding spans at most 19.5 KiB here\)" -- \
  env VKVAE_MAX_BINDING_BYTES=20000 "$train" --data "$grey" --model mlp --hidden 16 --batch 16 --epochs 1 --out "$dir/pieces"
"$expect" 0 stderr "data: training images \(49.0 KiB\) streamed from host memory through a ring of 2 × 1 batches of 16" -- \
  env VKVAE_MAX_BINDING_BYTES=4000 "$train" --data "$grey" --model mlp --hidden 16 --batch 16 --epochs 1 --out "$dir/streamed"
"$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$grey" --model mlp --hidden 16 --batch 16 --epochs 1 --out "$dir/whole"
for run in pieces streamed; do
  cmp <(cut -d, -f1-12 "$dir/$run/metrics.csv") <(cut -d, -f1-12 "$dir/whole/metrics.csv") || fail "training ($run) differs from training whole"
done
"$expect" 2 stderr "error: --data $grey: a ring of two batches of 16 images \(24.5 KiB\) does not fit the 8 bindings of at most 1000 B" -- \
  env VKVAE_MAX_BINDING_BYTES=1000 "$train" --data "$grey" --model mlp --batch 16 --out "$dir/refused"
[ ! -e "$dir/refused" ] || fail "a refused data set left $dir/refused behind"

# Classes by their folders' names: a conditional model's commands take them for numbers.
for class in cat dog; do
  mkdir -p "$dir/named/train/$class" "$dir/named/test/$class"
  cp "$dir/folders/train/1/"*.png "$dir/named/train/$class/"
  cp "$(ls "$dir/folders/test/"*/*.png | head -2 | tail -1)" "$dir/named/test/$class/"
done
"$expect" 0 stderr "2 classes \(image folders" -- "$train" --data "$dir/named" --model cmlp --hidden 8 --batch 4 --max-steps 1 --out "$dir/named-run"
"$expect" 0 stdout "^wrote $dir/dog.png" -- "$train" sample "$dir/named-run" --digit dog --count 4 --out "$dir/dog.png"
"$expect" 0 stdout "^wrote $dir/dogs/train-images-idx4-ubyte: 3 generated images" -- \
  "$train" augment "$dir/named-run" --class dog --count 3 --out "$dir/dogs"
"$expect" 2 stderr "error: --digit cow: not a class of this model. it has classes 0–1 \(cat, dog\)" -- \
  "$train" sample "$dir/named-run/checkpoints/best.safetensors" --digit cow --out "$dir/cow.png"
"$expect" 2 stderr "error: --class 2: this model has classes 0–1 \(cat, dog\)" -- \
  "$train" augment "$dir/named-run/checkpoints/best.safetensors" --class 2 --count 3 --out "$dir/refused"
[ ! -e "$dir/refused" ] && [ ! -e "$dir/cow.png" ] || fail "a refused class left a file behind"

# Refusals, before anything is written.
"$expect" 2 stderr "error: --data $grey: its images are 28×28 grey. this model takes 28×28 RGB" -- \
  "$train" --resume "$dir/conv" --data "$grey" --epochs 2
mkdir -p "$dir/mixed/train/a" "$dir/mixed/test/a"
cp "$(ls "$dir/folders/train/0/"*.png | head -1)" "$dir/mixed/train/a/1.png"
cp "$(ls "$dir/folders/train/0/"*.png | head -1)" "$dir/mixed/test/a/1.png"
cp "$dir/m.png" "$dir/mixed/train/a/2.png"  # a picture of another size
"$expect" 2 stderr "error: $dir/mixed/train/a/2.png: [0-9]+×[0-9]+ RGB, but $dir/mixed/train/a/1.png is 28×28 RGB. give --image-size" -- \
  "$train" --data "$dir/mixed" --model mlp --batch 1 --out "$dir/refused"
[ ! -e "$dir/refused" ] || fail "a refused data set left $dir/refused behind"
mkdir -p "$dir/unlabeled/train" "$dir/unlabeled/test"
cp "$dir/mixed/train/a/1.png" "$dir/unlabeled/train/"
cp "$dir/mixed/train/a/1.png" "$dir/unlabeled/test/"
"$expect" 0 stderr "28×28 RGB, unlabeled \(image folders" -- \
  "$train" --data "$dir/unlabeled" --model mlp --hidden 8 --batch 1 --epochs 1 --out "$dir/unlabeled-run"
"$expect" 2 stderr "error: --model cconv is conditional: it needs labelled data, and --data $dir/unlabeled has no labels" -- \
  "$train" --data "$dir/unlabeled" --model cconv --batch 1 --out "$dir/refused"
[ ! -e "$dir/refused" ] || fail "a refused data set left $dir/refused behind"
echo "colour data: ok"
