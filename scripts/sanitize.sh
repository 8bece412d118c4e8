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
# The loader unloads the driver and the layer when an instance goes; their leaks would then
# have no module name to suppress them by. Preloaded, they stay mapped (ASan's runtime, linked
# into our programs, then comes second in the library list, which is harmless here).
preload=""
for lib in libvulkan_lvp.so libVkLayer_khronos_validation.so; do
  path=$(ldconfig -p | awk -v lib="$lib" '$1 == lib { print $NF; exit }')
  [ -z "$path" ] && path=$(ls /usr/lib/*/"$lib" 2>/dev/null | head -1)
  [ -n "$path" ] && preload="$preload $path"
done
export LD_PRELOAD="${preload# }"
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:verify_asan_link_order=0
export LSAN_OPTIONS=suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$root/build-sanitize"
ctest --output-on-failure -j "$(nproc)" "$@"
