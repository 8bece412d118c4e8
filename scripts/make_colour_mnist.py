#!/usr/bin/env python3
"""Makes a colour data set from MNIST-layout IDX files: each digit tinted one colour and set on a
background of another, both drawn from a seeded generator, so the same input and seed give the
same bytes everywhere. The output is MNIST's layout in colour: {train,t10k}-images-idx4-ubyte
(N×28×28×3) and the labels as they were. Python 3's standard library is all it needs.

--size S draws the digits S×S (nearest neighbour), and --train-count N makes a training set of
N images, going round the source's digits again with new colours: a large set for streaming,
e.g. 200 000 images of 64×64 RGB (2.3 GiB) with --size 64 --train-count 200000 (a few minutes).

    scripts/make_colour_mnist.py [--from data/mnist] [--out data/colour-mnist] [--seed 0] [--limit N]
                                 [--size S] [--train-count N]
"""
import argparse
import colorsys
import gzip
import operator
import os
import random
import struct
import sys


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[:3] != b"\0\0\x08":
        sys.exit(f"make_colour_mnist: error: {path}: not an IDX file of unsigned bytes")
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dims, data[4 + 4 * rank:]


def find(directory, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(directory, candidate)):
            return os.path.join(directory, candidate)
    sys.exit(f"make_colour_mnist: error: --from {directory}: no {name} (or {name}.gz); run scripts/fetch-mnist.sh")


def colours(rng):
    """A bright digit colour and a darker background of a clearly different hue."""
    hue = rng.random()
    ink = colorsys.hsv_to_rgb(hue, 0.55 + 0.45 * rng.random(), 0.8 + 0.2 * rng.random())
    back = colorsys.hsv_to_rgb((hue + 0.3 + 0.4 * rng.random()) % 1.0, 0.4 + 0.6 * rng.random(), 0.15 + 0.35 * rng.random())
    return [round(255 * c) for c in ink], [round(255 * c) for c in back]


def tinted(images, count, source_count, rows, cols, side, rng):
    """The colour images one by one: image i is source digit i mod source_count, drawn side[0]×side[1]."""
    # Nearest neighbour: output pixel (y, x) takes source pixel (y·rows/h, x·cols/w); one
    # itemgetter call fetches them all.
    pick = None
    h, w = side
    if side != (rows, cols):
        pick = operator.itemgetter(*[(y * rows // h) * cols + x * cols // w for y in range(h) for x in range(w)])
    pixels = rows * cols
    for i in range(count):
        j = i % source_count
        grey = images[j * pixels:(j + 1) * pixels]
        if pick:
            grey = bytes(pick(grey))
        ink, back = colours(rng)
        out = bytearray(len(grey) * 3)
        for c in range(3):
            # A grey value v becomes back + (ink − back)·v/255 in channel c: a byte table, so
            # the work per image runs at C speed.
            table = bytes(round(back[c] + (ink[c] - back[c]) * v / 255) for v in range(256))
            out[c::3] = grey.translate(table)
        yield out


def write(path, dims, chunks):
    """Writes the file whole or not at all: to a temporary name, renamed when complete."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(bytes([0, 0, 8, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims))
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        sys.exit(f"make_colour_mnist: error: {path}: cannot write it ({e.strerror}); free some space or choose another --out")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", default="data/mnist", help="MNIST-layout IDX directory (default data/mnist)")
    parser.add_argument("--out", default="data/colour-mnist", help="directory to write (default data/colour-mnist)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="the first N images of each split (default: all)")
    parser.add_argument("--size", type=int, default=0, help="draw the digits S×S (default: the source's size)")
    parser.add_argument("--train-count", type=int, default=0,
                        help="training images to make, going round the source's again with new colours (default: the source's)")
    args = parser.parse_args()
    if args.size < 0 or args.size > 4096:
        sys.exit(f"make_colour_mnist: error: --size {args.size}: give a side from 1 to 4096 pixels")
    if args.train_count < 0:
        sys.exit(f"make_colour_mnist: error: --train-count {args.train_count}: give a positive count")
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"make_colour_mnist: error: --out {args.out}: not empty; choose a new directory")
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    for prefix in ("train", "t10k"):
        (count, rows, cols), images = read_idx(find(args.source, f"{prefix}-images-idx3-ubyte"))
        (labels_count,), labels = read_idx(find(args.source, f"{prefix}-labels-idx1-ubyte"))
        if labels_count != count:
            sys.exit(f"make_colour_mnist: error: --from {args.source}: {count} {prefix} images but {labels_count} labels")
        if args.limit:
            count = min(count, args.limit)
            labels = labels[:count]
        source_count = count
        if prefix == "train" and args.train_count:
            count = args.train_count
            labels = bytes(labels[i % source_count] for i in range(count))
        side = (args.size, args.size) if args.size else (rows, cols)
        write(os.path.join(args.out, f"{prefix}-images-idx4-ubyte"), (count, *side, 3),
              tinted(images, count, source_count, rows, cols, side, rng))
        write(os.path.join(args.out, f"{prefix}-labels-idx1-ubyte"), (count,), [labels])
        print(f"wrote {args.out}/{prefix}-images-idx4-ubyte: {count} colour images of {side[0]}×{side[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
