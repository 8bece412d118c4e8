#!/usr/bin/env bash
# A GLSL compile error fails the build, and the message names the shader file and line.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cmake -S "$here/shader_error" -B "$build" -G Ninja >/dev/null || { echo "FAIL: configure failed"; exit 1; }
if output=$(cmake --build "$build" 2>&1); then
  echo "FAIL: the build succeeded although broken.comp does not compile"
  exit 1
fi
if ! grep -Eq "broken\.comp:6: error: .*undeclared_variable" <<<"$output"; then
  echo "FAIL: the build failed without naming broken.comp:6"
  echo "$output"
  exit 1
fi
echo "ok: the build failed with: $(grep -E 'broken\.comp:6: error' <<<"$output" | head -1)"
