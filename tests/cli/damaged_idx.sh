#!/usr/bin/env bash
# damaged_idx.sh EXPECT TRAIN GOOD_DATA SCRATCH: each damaged copy of a good dataset is refused
# with a one-line error naming the file (exit 2).
set -eu
expect=$1 train=$2 good=$3 scratch=$4
fresh() { rm -rf "$scratch"; mkdir -p "$scratch"; cp "$good"/* "$scratch"/; }
check() { "$expect" 2 stderr "$1" -- "$train" --data "$scratch" --batch 16 --out "$scratch/run"; }

fresh  # images not gzip at all, with a wrong magic number
printf '\x00\x00\x0d\x03\x00\x00\x00\x01' > "$scratch/train-images-idx3-ubyte.gz"
check "train-images-idx3-ubyte.gz: not an IDX file of unsigned bytes \(bad magic\)"

fresh  # a corrupt gzip stream
gz="$scratch/t10k-images-idx3-ubyte.gz"
{ head -c 20 "$gz"; head -c 200 /dev/zero | tr '\0' 'x'; } > "$gz.tmp" && mv "$gz.tmp" "$gz"
check "t10k-images-idx3-ubyte.gz: (corrupt|truncated) gzip"

fresh  # cut short: a truncated gzip stream
gz="$scratch/train-labels-idx1-ubyte.gz"
head -c 30 "$gz" > "$gz.tmp" && mv "$gz.tmp" "$gz"
check "train-labels-idx1-ubyte.gz: truncated gzip"

fresh  # plain files: labels fewer than images
rm "$scratch/t10k-labels-idx1-ubyte.gz"
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02' > "$scratch/t10k-labels-idx1-ubyte"
check "holds 16 images but .*t10k-labels-idx1-ubyte holds 2 labels"

fresh  # an empty dataset
rm "$scratch/train-images-idx3-ubyte.gz" "$scratch/train-labels-idx1-ubyte.gz"
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' > "$scratch/train-images-idx3-ubyte"
printf '\x00\x00\x08\x01\x00\x00\x00\x00' > "$scratch/train-labels-idx1-ubyte"
check "train-images-idx3-ubyte: holds no images"

fresh  # wrong dimensions: 2-D "images"
rm "$scratch/t10k-images-idx3-ubyte.gz"
printf '\x00\x00\x08\x02\x00\x00\x00\x01\x00\x00\x00\x01\x07' > "$scratch/t10k-images-idx3-ubyte"
check "t10k-images-idx3-ubyte: has 2 dimensions. image files have 3"
rm -rf "$scratch"
