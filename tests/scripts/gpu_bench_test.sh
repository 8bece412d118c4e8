#!/usr/bin/env bash
# gpu_bench_test.sh: bench/gpu.sh plans the GPU run and the --quick one (--dry-run: the
# commands, none run), refuses a bad argument in one line, and bench/gpu_table.py makes its
# table from benchmark files of the shape the programs write.
set -eu
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
plan=$(bash "$root/bench/gpu.sh" --dry-run --device 0 2>&1) || fail "gpu.sh --dry-run exited $?: $plan"
for want in "VKVAE_KERNELS=cpu .*vkvae_train_tests --gtest_filter=\*" "vkvae_program_tests" "VKVAE_BENCH_GEMM=4096 .*vkvae_ops_bench .*linear_backward_weight\(_split\)" "vkvae_step_bench --benchmark_filter=\^\(mlp\|conv\)/\(128\|1024\)/" \
            "torch_step.py --model conv --batch 1024 --device cuda --mode cudagraph" "torch_step.py --model mlp --batch 128 --device cuda --mode compile" \
            "vkvae_ops_bench --benchmark_filter=\^conv.*enc1\|dec2" "VKVAE_BENCH_NARROW_TILES=0 .*vkvae_ops_bench" "gpu_table.py"; do
  printf '%s\n' "$plan" | grep -Eq -- "$want" || fail "the GPU plan lacks /$want/: $plan"
done
quick=$(bash "$root/bench/gpu.sh" --quick --dry-run 2>&1) || fail "gpu.sh --quick --dry-run exited $?"
printf '%s\n' "$quick" | grep -q -- "torch_step.py --model conv --batch 128 --device cpu --mode eager" || fail "the quick plan: $quick"
printf '%s\n' "$quick" | grep -q -- "VKVAE_KERNELS=gpu VKVAE_BENCH_NARROW_TILES=0 .*vkvae_ops_bench" || fail "the quick plan's narrow rows: $quick"
if printf '%s\n' "$quick" | grep -q -- "--batch 1024"; then fail "the quick plan takes batch 1024"; fi
err=$(bash "$root/bench/gpu.sh" --bogus 2>&1) && fail "took --bogus"
[ "$err" = "gpu.sh: error: unknown argument '--bogus'; see bench/gpu.sh --help" ] || fail "bad-argument message: $err"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cat > "$out/ops.json" <<'JSON'
{"benchmarks": [{"name": "peak_fma/min_time:0.300/manual_time", "GFLOP/s": 1.0e12},
                {"name": "gemm/square_4096/min_time:0.300/manual_time", "GFLOP/s": 5.5e11},
                {"name": "linear_backward_weight/mlp_encoder_784x400/B1024/min_time:0.300/manual_time", "GFLOP/s": 2.0e11},
                {"name": "linear_backward_weight_split/mlp_encoder_784x400/B1024/min_time:0.300/manual_time", "GFLOP/s": 5.0e11}]}
JSON
cat > "$out/step.json" <<'JSON'
{"benchmarks": [{"name": "conv/128/min_time:2.000/manual_time", "samples/s": 300000.0, "device_busy_%": 97.4}]}
JSON
cat > "$out/torch.jsonl" <<'JSON'
{"model": "conv", "batch": 128, "device": "cuda", "mode": "eager", "samples_per_s": 100000.0}
{"model": "conv", "batch": 128, "device": "cuda", "mode": "compile", "samples_per_s": null, "why": "torch.compile needs PyTorch 2"}
JSON
cat > "$out/narrow_tiled.json" <<'JSON'
{"benchmarks": [{"name": "conv2d_forward/enc1_1x28_to_32x14/B128/min_time:0.300/manual_time", "run_type": "iteration", "real_time": 0.02, "time_unit": "ms"},
                {"name": "conv2d_backward_weight/enc1_1x28_to_32x14/B128/min_time:0.300/manual_time", "run_type": "iteration", "real_time": 40.0, "time_unit": "us"}]}
JSON
cat > "$out/narrow_registers.json" <<'JSON'
{"benchmarks": [{"name": "conv2d_forward/enc1_1x28_to_32x14/B128/min_time:0.300/manual_time", "run_type": "iteration", "real_time": 0.03, "time_unit": "ms"},
                {"name": "conv2d_backward_weight/enc1_1x28_to_32x14/B128/min_time:0.300/manual_time", "run_type": "iteration", "real_time": 0.02, "time_unit": "ms"}]}
JSON
table=$(python3 "$root/bench/gpu_table.py" "$out")
printf '%s\n' "$table" | grep -q "| conv batch 128 | 300,000 | 97 % | 100,000 | 3.00× | n/a | n/a |" || fail "the table: $table"
printf '%s\n' "$table" | grep -q "| mlp_encoder_784x400 batch 1024 | 200.0 | 500.0 | 2.50× |" || fail "the split-K row: $table"
printf '%s\n' "$table" | grep -q "GEMM 4096³: 550.0 GFLOP/s, 55 % of the measured FMA peak (1,000.0 GFLOP/s" || fail "the GEMM line: $table"
printf '%s\n' "$table" | grep -q "| conv2d_forward enc1_1x28_to_32x14 batch 128 | 0.020 | 0.030 | 1.50× |" || fail "the narrow rows: $table"
printf '%s\n' "$table" | grep -q "| conv2d_backward_weight enc1_1x28_to_32x14 batch 128 | 0.040 | 0.020 | 0.50× |" || fail "the narrow rows: $table"
# A bad VKVAE_BENCH_NARROW_TILES is refused in one line (where the benchmarks are built).
bench=$root/build/bench/vkvae_ops_bench
if [ -x "$bench" ]; then
  for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; done
  err=$(VKVAE_BENCH_NARROW_TILES=no "$bench" --benchmark_filter='^peak_fma' 2>&1 >/dev/null) && fail "the bench took VKVAE_BENCH_NARROW_TILES=no"
  [ "$err" = "vkvae_ops_bench: error: VKVAE_BENCH_NARROW_TILES=no: use 0 (register kernels) or 1 (the default)" ] \
    || fail "VKVAE_BENCH_NARROW_TILES=no: $err"
fi

# PyTorch's peer step runs where PyTorch is installed (CI's machine has none: skipped there).
for python in python3 /usr/bin/python3; do
  if "$python" -c 'import torch' 2>/dev/null; then
    for model in mlp conv; do
      line=$("$python" "$root/bench/torch_step.py" --model $model --batch 4 --device cpu --mode eager --seconds 0.2) \
        || fail "torch_step.py --model $model failed: $line"
      printf '%s\n' "$line" | "$python" -c 'import json, sys; r = json.load(sys.stdin); sys.exit(0 if r["samples_per_s"] > 0 else 1)' \
        || fail "torch_step.py --model $model printed: $line"
    done
    break
  fi
done
echo ok
