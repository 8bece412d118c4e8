#!/usr/bin/env bash
# Installs the Debian 12 packages vkvae needs that are not installed yet (nothing if none).
# Usage: scripts/install-deps.sh [build] [test] [data] [torch]   (default: build)
set -euo pipefail

want_build=0 want_test=0 want_data=0 want_torch=0
[ $# -eq 0 ] && want_build=1
for group in "$@"; do
  case "$group" in
    build) want_build=1 ;;
    test) want_build=1 want_test=1 ;;  # what the build needs (GoogleTest included), Xvfb and xdotool for the viewer, python3 for scripts/make_colour_mnist.py
    data) want_data=1 ;;
    torch) want_torch=1 ;;  # PyTorch on the CPU, for the peers in bench/ (OpenBLAS: the reference BLAS is 4× slower)
    *) echo "install-deps: error: unknown group '$group'; use build, test, data or torch" >&2; exit 2 ;;
  esac
done

packages=()
if [ $want_build = 1 ]; then
  packages+=(cmake ninja-build g++ ccache pkg-config
             libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers glslc spirv-tools
             libcli11-dev nlohmann-json3-dev libstb-dev zlib1g-dev libbenchmark-dev libgtest-dev
             libglfw3-dev libimgui-dev fonts-dejavu-core libopenmpi-dev openmpi-bin openssh-client)
fi
[ $want_test = 1 ] && packages+=(xvfb xauth xdotool python3)
[ $want_torch = 1 ] && packages+=(python3-torch libopenblas0-pthread)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from Debian or from a Node.js installed otherwise; either will do.
if [ $want_data = 1 ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm ca-certificates)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-deps: error: missing packages (${missing[*]}) and not root; run as root or install them" >&2
    exit 1
  }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
