#!/usr/bin/env bash
# bench/applications.sh CHECKPOINT [DATA] — the figures of a trained model's applications for
# docs/BENCHMARKS.md, as Markdown: denoising (gaussian σ = 0.3, salt-and-pepper p = 0.2) on the
# test set, inpainting the centre 14×14 against the mean-image baseline after 0, 1, 10 and 50
# iterations (z sampled and z = μ), and encode's throughput on the test set.
# Environment: LIMIT (test images for inpainting, default 2000; denoise and encode take all),
# OUT (default bench-out/applications).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ckpt=$1 data=${2:-$root/data/mnist}
limit=${LIMIT:-2000} out=${OUT:-$root/bench-out/applications}
train="$root/build/apps/train/vkvae-train"
mkdir -p "$out"
field() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, j))' "$@"; }

echo "| noise | noisy MSE | denoised MSE | noisy PSNR (dB) | denoised PSNR (dB) | gain (dB) |"
echo "| --- | --- | --- | --- | --- | --- |"
for noise in gaussian:0.3 salt-pepper:0.2; do
  "$train" denoise "$ckpt" --images "$data" --noise "$noise" --json --out "$out/denoise-${noise%%:*}.png" > "$out/denoise-${noise%%:*}.json"
  field "$out/denoise-${noise%%:*}.json" \
    'f"| {noise} | {noisy_mse:.4f} | {denoised_mse:.4f} | {noisy_psnr:.2f} | {denoised_psnr:.2f} | {denoised_psnr - noisy_psnr:+.2f} |"'
done
echo
echo "| z | images | baseline MSE (0 iterations) | 1 | 10 | 50 |"
echo "| --- | --- | --- | --- | --- | --- |"
for z in sample mean; do
  "$train" inpaint "$ckpt" --images "$data" --limit "$limit" --mask center:14x14 --iterations 50 --z "$z" --json \
    --out "$out/inpaint-$z.png" > "$out/inpaint-$z.json"
  field "$out/inpaint-$z.json" \
    'f"| {z} | {images} | {mse_by_iteration[0]:.4f} | {mse_by_iteration[1]:.4f} | {mse_by_iteration[10]:.4f} | {mse_by_iteration[50]:.4f} |"'
done
echo
"$train" encode "$ckpt" --data "$data" --json --out "$out/test-latents.safetensors" > "$out/encode.json"
field "$out/encode.json" 'f"encode: {images} test images in {seconds:.2f} s, {images_per_second:.0f} images/s (from the first batch'"'"'s pipelines to the last download)"'
