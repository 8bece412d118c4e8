#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test with ctest on
# lavapipe (set VKVAE_TEST_DEVICE=N|NAME to test on another device). Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps.sh" test
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j "$(nproc)" "$@"
