#!/usr/bin/env bash
# bench/gpu.sh [--quick] [--dry-run] [--device N|NAME] [--build DIR] [--out DIR]
#
# The figures that matter on a GPU, in one prepared run of at most 8 minutes:
#   1. the op, graph and train tests on that GPU, under its own kernel profile and the CPU one
#      (VKVAE_TEST_DEVICE, validation on);
#   2. vkvae_ops_bench: the FMA peak of a kernel of our own, a 4096³ GEMM, the Linear weight
#      gradients at batch 1024 unsplit and split along the batch, and the one-channel layers'
#      passes at batch 128 through the GPU profile's narrow shared-memory shapes and through the
#      register kernels (VKVAE_BENCH_NARROW_TILES=0), which decides KernelProfile::narrow_tiles;
#   3. vkvae_step_bench: the mlp and conv training steps at batch 128 and 1024;
#   4. the same steps in PyTorch on the same GPU: eager, torch.compile and CUDA graphs;
#   5. one table (bench/gpu_table.py): samples/s, vkvae's ratio to each PyTorch mode, the GEMM's
#      GFLOP/s as a fraction of the measured peak, split-K's gain, the narrow shapes' gain.
#      Everything lands in OUT (default bench-out/gpu): tests.log, ops.json, narrow_tiled.json,
#      narrow_registers.json, step.json, torch.jsonl, table.md.
#
# --quick: the same table without a GPU, on lavapipe against PyTorch on the CPU (batch 128, a
#   512³ GEMM, eager only, the kernel-profile tests, the narrow shapes under VKVAE_KERNELS=gpu),
#   a few minutes on 2 cores; installs Debian's python3-torch and OpenBLAS when missing (the
#   reference BLAS would make PyTorch 4× slower).
# --dry-run: print the commands and run none (tests/scripts checks the plan this way).
# --device N|NAME: the GPU, as vkvae-train --list-devices names it (default: the best device).
# --build DIR: a build made elsewhere and carried (default: build/, made with scripts/build.sh
#   when it holds no benchmarks). The machine needs a Vulkan loader and driver; carry the
#   loader as the device notes say if it has none.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0 dry=0 build="$root/build" out="$root/bench-out/gpu" device=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --dry-run) dry=1 ;;
    --build) build=$2; shift ;;
    --device) device=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu.sh: error: unknown argument '$1'; see bench/gpu.sh --help" >&2; exit 2 ;;
  esac
  shift
done

# Each command is printed (on the script's own stderr, whatever the command's output goes to);
# --dry-run stops there.
exec 3>&2
run() {
  echo "+ $*" >&3
  [ $dry = 1 ] || "$@"
}

if [ $quick = 1 ]; then
  for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; done
  torch_device=cpu batches=(128) modes=(eager) gemm=512 profile=gpu
  tests=(ops:'Profile.*:KernelProfile.*')
else
  [ -n "$device" ] || device=$("$build/apps/train/vkvae-train" --list-devices 2>/dev/null | sed -n 's/^\([0-9]*\): .*(default)$/\1/p')
  export VKVAE_TEST_DEVICE=${device:-0} VKVAE_BENCH_DEVICE=${device:-0}
  torch_device=cuda batches=(128 1024) modes=(eager compile cudagraph) gemm=4096 profile=""
  # The lavapipe widths are lavapipe's; on a GPU its own profile (the GPU one) and the CPU one.
  tests=(ops:'*' program:'*' train:'*')
fi

# The Python with PyTorch: the one on PATH, or Debian's (python3-torch), which a PATH python of
# its own (pyenv, a venv) hides.
python=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
done

# A dry run writes nothing where the figures go: its redirections land in a scratch folder.
if [ $dry = 1 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
else
  mkdir -p "$out"
  if [ ! -x "$build/bench/vkvae_step_bench" ]; then
    [ "$build" = "$root/build" ] || { echo "gpu.sh: error: --build $build holds no bench/vkvae_step_bench; build it or leave --build out" >&2; exit 2; }
    "$root/scripts/build.sh"
  fi
  if ! "$python" -c 'import torch' 2>/dev/null; then
    if [ $quick = 1 ]; then
      "$root/scripts/install-deps.sh" torch
      python=/usr/bin/python3
    else
      echo "gpu.sh: warning: no PyTorch here; the table will have vkvae's figures alone" >&2
    fi
  fi
fi

steps_filter="($(IFS='|'; echo "${batches[*]}"))"
# The test programs themselves, not ctest: ctest's files hold the paths of the machine that built.
[ $dry = 1 ] || : > "$out/tests.log"
for test in "${tests[@]}"; do
  for kernels in "" cpu; do
    [ $quick = 1 ] && [ -n "$kernels" ] && continue
    run env ${kernels:+VKVAE_KERNELS=$kernels} VKVAE_FIXTURES="$root/tests/fixtures" "$build/tests/vkvae_${test%%:*}_tests" \
      --gtest_filter="${test#*:}" --gtest_brief=1 >> "$out/tests.log" 2>&1 \
      || echo "gpu.sh: vkvae_${test%%:*}_tests failed (VKVAE_KERNELS=$kernels); see $out/tests.log (the benchmarks still run)" >&2
  done
done
run env VKVAE_BENCH_GEMM=$gemm "$build/bench/vkvae_ops_bench" --benchmark_filter='peak_fma|gemm/square|linear_backward_weight(_split)?/.*/B1024' --benchmark_format=json \
  > "$out/ops.json"
# The one-channel layers (the seed conv model's first and last) both ways; on lavapipe under the
# GPU profile, which the narrow shapes belong to.
narrow_filter='^conv[a-z0-9_]*/(enc1|dec2)_[^/]*/B128/'
run env ${profile:+VKVAE_KERNELS=$profile} "$build/bench/vkvae_ops_bench" --benchmark_filter="$narrow_filter" \
  --benchmark_format=json > "$out/narrow_tiled.json"
run env ${profile:+VKVAE_KERNELS=$profile} VKVAE_BENCH_NARROW_TILES=0 "$build/bench/vkvae_ops_bench" \
  --benchmark_filter="$narrow_filter" --benchmark_format=json > "$out/narrow_registers.json"
run "$build/bench/vkvae_step_bench" --benchmark_filter="^(mlp|conv)/$steps_filter/" --benchmark_format=json > "$out/step.json"
[ $dry = 1 ] || : > "$out/torch.jsonl"
if [ $dry = 1 ] || "$python" -c 'import torch' 2>/dev/null; then
  for model in mlp conv; do
    for batch in "${batches[@]}"; do
      for mode in "${modes[@]}"; do
        run "$python" "$root/bench/torch_step.py" --model $model --batch "$batch" --device $torch_device --mode "$mode" --seconds 3 \
          >> "$out/torch.jsonl"
      done
    done
  done
fi
run python3 "$root/bench/gpu_table.py" "$out" > "$out/table.md"
if [ $dry = 0 ]; then
  cat "$out/table.md"
  echo
  echo "device: $("$build/apps/train/vkvae-train" --list-devices ${device:+--device "$device"} | grep -E '\((default|selected)\)')"
fi
