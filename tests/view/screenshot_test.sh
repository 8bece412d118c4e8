#!/usr/bin/env bash
# screenshot_test.sh TRAIN VIEW MAKE_DATA PNG_REGION SCRATCH: vkvae-view under Xvfb on lavapipe,
# with validation on, draws a trained model's sample grid into its screenshot, and does so while
# it trains a model itself (--train); a window resized twice while it runs recreates its
# swapchain (the screenshot has the new size); the layout is kept between launches; without a display, and with a bad checkpoint or
# bad options, it says so in one line.
set -eu
train=$1 view=$2 make_data=$3 png_region=$4 scratch=$5
for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; done
rm -rf "$scratch" && mkdir -p "$scratch"
"$make_data" "$scratch/data" 256 32
"$train" --data "$scratch/data" --model mlp --hidden 32 --batch 32 --epochs 2 --out "$scratch/run" 2> "$scratch/train.log"
ckpt="$scratch/run/checkpoints/best.safetensors"

out=$(xvfb-run -a -s "-screen 0 1280x800x24" env VKVAE_VALIDATION=1 "$view" --checkpoint "$ckpt" \
      --screenshot "$scratch/shot.png" --frames 4 2> "$scratch/view.err") || { echo "FAIL: vkvae-view exited $?"; cat "$scratch/view.err"; exit 1; }
echo "$out"
if grep -qi "validation" "$scratch/view.err"; then echo "FAIL: validation messages"; cat "$scratch/view.err"; exit 1; fi
read -r x y w h <<< "$(echo "$out" | sed -n 's/.*samples at \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3 \4/p')"
[ -n "${h:-}" ] || { echo "FAIL: no samples rectangle in: $out"; exit 1; }
"$png_region" "$scratch/shot.png" "$x" "$y" "$w" "$h" || { echo "FAIL: the samples region shows no digits"; exit 1; }
# The drawing pad starts with the first test image: its reconstruction shows; so does the denoised image.
for picture in "pad reconstruction" denoised; do
  read -r x y w h <<< "$(echo "$out" | sed -n "s/^$picture at \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\)$/\1 \2 \3 \4/p")"
  [ -n "${h:-}" ] || { echo "FAIL: no $picture rectangle in: $out"; exit 1; }
  "$png_region" "$scratch/shot.png" "$x" "$y" "$w" "$h" || { echo "FAIL: the $picture region shows no digit"; exit 1; }
done

# Live: trains in-process to --max-steps, then the screenshot; the run leaves its checkpoint.
out=$(xvfb-run -a -s "-screen 0 1280x800x24" env VKVAE_VALIDATION=1 "$view" --train --data "$scratch/data" --model mlp --hidden 32 \
      --batch 32 --max-steps 24 --out "$scratch/live" --screenshot "$scratch/live.png" --frames 3 2> "$scratch/live.err") \
  || { echo "FAIL: vkvae-view --train exited $?"; cat "$scratch/live.err"; exit 1; }
echo "$out"
if grep -qi "validation" "$scratch/live.err"; then echo "FAIL: validation messages"; cat "$scratch/live.err"; exit 1; fi
grep -q "training finished at step 24" "$scratch/live.err" || { echo "FAIL: the run did not finish"; cat "$scratch/live.err"; exit 1; }
[ -s "$scratch/live/checkpoints/last.safetensors" ] || { echo "FAIL: no checkpoint from the live run"; exit 1; }
read -r x y w h <<< "$(echo "$out" | sed -n 's/.*samples at \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3 \4/p')"
"$png_region" "$scratch/live.png" "$x" "$y" "$w" "$h" || { echo "FAIL: the live samples region shows no digits"; exit 1; }

# Without --screenshot the layout a person made is kept between launches, in XDG_CONFIG_HOME.
(cd "$scratch" && XDG_CONFIG_HOME="$scratch/config" xvfb-run -a -s "-screen 0 1280x800x24" "$view" --checkpoint "$ckpt" --frames 3 \
  2> "$scratch/layout.err") || { echo "FAIL: vkvae-view --frames 3 exited $?"; cat "$scratch/layout.err"; exit 1; }
grep -q '^\[Window\]\[Samples\]' "$scratch/config/vkvae/view.ini" || { echo "FAIL: no layout kept in $scratch/config/vkvae/view.ini"; exit 1; }
[ ! -e "$scratch/imgui.ini" ] || { echo "FAIL: imgui.ini written to the working directory"; exit 1; }

# Resized while running (xdotool, no window manager needed): the last frame has the new size.
cat > "$scratch/resize.sh" <<SCRIPT
#!/usr/bin/env bash
VKVAE_VALIDATION=1 "$view" --checkpoint "$ckpt" --screenshot "$scratch/resized.png" --frames 400 > "$scratch/resize.out" 2> "$scratch/resize.err" &
pid=\$!
for i in \$(seq 100); do wid=\$(xdotool search --name vkvae-view 2>/dev/null | head -1); [ -n "\$wid" ] && break; sleep 0.3; done
xdotool windowsize "\$wid" 900 600; sleep 0.5; xdotool windowsize "\$wid" 1000 700
wait \$pid
SCRIPT
chmod +x "$scratch/resize.sh"
xvfb-run -a -s "-screen 0 1280x800x24" "$scratch/resize.sh" || { echo "FAIL: resized viewer exited $?"; cat "$scratch/resize.err"; exit 1; }
grep -q "(1000×700)" "$scratch/resize.out" || { echo "FAIL: not resized: $(cat "$scratch/resize.out")"; exit 1; }
if grep -qi "validation" "$scratch/resize.err"; then echo "FAIL: validation messages on resize"; cat "$scratch/resize.err"; exit 1; fi

err=$(xvfb-run -a -s "-screen 0 1280x800x24" "$view" --train --batch 0 2>&1 >/dev/null) && { echo "FAIL: took --batch 0"; exit 1; }
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "error: --batch 0: must be at least 1" || { echo "FAIL: bad-option message: $err"; exit 1; }
err=$(xvfb-run -a -s "-screen 0 1280x800x24" "$view" --train --data "$scratch/nowhere" 2>&1 >/dev/null) && { echo "FAIL: took a missing --data"; exit 1; }
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "error: --data $scratch/nowhere: directory not found" || { echo "FAIL: missing-data message: $err"; exit 1; }
err=$(env -u DISPLAY -u WAYLAND_DISPLAY "$view" --checkpoint "$ckpt" 2>&1 >/dev/null) && { echo "FAIL: ran without a display"; exit 1; }
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "error: no display .*xvfb-run" || { echo "FAIL: no-display message: $err"; exit 1; }
err=$(xvfb-run -a -s "-screen 0 1280x800x24" "$view" --checkpoint "$scratch/run/config.json" 2>&1 >/dev/null) && { echo "FAIL: took a bad checkpoint"; exit 1; }
echo "$err" | grep -q "config.json: not a valid safetensors file" || { echo "FAIL: bad-checkpoint message: $err"; exit 1; }
rm -rf "$scratch"
echo ok
