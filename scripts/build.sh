#!/usr/bin/env bash
# Configures and builds vkvae into build/ (Release). Extra arguments go to cmake --build,
# e.g. `scripts/build.sh --target vkvae-train`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVKVAE_WERROR=ON -DVKVAE_BUILD_TESTS=ON -DVKVAE_BUILD_BENCH=ON >/dev/null
cmake --build "$root/build" "$@"
