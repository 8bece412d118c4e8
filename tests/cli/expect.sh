#!/usr/bin/env bash
# expect.sh CODE STREAM REGEX -- COMMAND...
# Passes when COMMAND exits with CODE and its STREAM (stdout or stderr) matches the extended
# REGEX. A failing command (CODE ≠ 0) must say so on stderr in exactly one line.
# Pins lavapipe unless VKVAE_TEST_DEVICE is set, like the C++ tests.
set -u
code=$1 stream=$2 regex=$3
shift 3
[ "${1:-}" = "--" ] && shift

if [ -z "${VKVAE_TEST_DEVICE:-}" ]; then
  for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do
    [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  done
fi

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
actual=$?

fail() {
  echo "FAIL: $*"
  echo "--- command: $*"
  echo "--- stdout:"; cat "$out"
  echo "--- stderr:"; cat "$err"
  exit 1
}
[ "$actual" = "$code" ] || fail "exit code $actual, expected $code"
file=$out
[ "$stream" = stderr ] && file=$err
grep -Eq -- "$regex" "$file" || fail "$stream does not match /$regex/"
if [ "$code" != 0 ]; then
  lines=$(grep -c '' "$err")
  [ "$lines" = 1 ] || fail "the error takes $lines lines on stderr, expected one"
fi
echo "ok: exit $actual, $stream matches /$regex/"
