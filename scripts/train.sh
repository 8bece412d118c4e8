#!/usr/bin/env bash
# The main job: installs what is missing, builds, fetches MNIST and runs vkvae-train on the best
# Vulkan device (lavapipe when there is no GPU). Extra arguments go to vkvae-train.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps.sh" build data
"$root/scripts/build.sh" --target vkvae-train
"$root/scripts/fetch-mnist.sh" --dest "$root/data/mnist"
# Training arrives with the training milestone; until then the job ends with the device list.
"$root/build/apps/train/vkvae-train" --list-devices "$@"
