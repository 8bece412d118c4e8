#!/usr/bin/env bash
# The test suite built with AddressSanitizer and UndefinedBehaviorSanitizer (-DVKVAE_SANITIZE=ON)
# into build-sanitize/, run with ctest on lavapipe. LeakSanitizer ignores only the allocations of
# the Vulkan loader, lavapipe and the validation layer (tests/sanitize/lsan.supp); any report of
# ours, and any undefined behaviour, fails the test it happens in. Extra arguments go to ctest
# (e.g. -L train). Slow: several times the normal suite's time.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps.sh" test
cmake -S "$root" -B "$root/build-sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKVAE_WERROR=ON -DVKVAE_SANITIZE=ON \
  -DVKVAE_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-sanitize"
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$root/build-sanitize"
ctest --output-on-failure -j "$(nproc)" "$@"
