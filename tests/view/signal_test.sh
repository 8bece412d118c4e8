#!/usr/bin/env bash
# signal_test.sh TRAIN VIEW MAKE_DATA SCRATCH: SIGTERM or Ctrl-C to vkvae-view --train closes the
# window as its close button would: the run writes its checkpoint, the process exits 143 or 130,
# and the run resumes from there.
set -eu
train=$1 view=$2 make_data=$3 scratch=$4
for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; done
rm -rf "$scratch" && mkdir -p "$scratch"
fail() { echo "FAIL: $*"; exit 1; }
"$make_data" "$scratch/data" 64 16

for signal in TERM INT; do
  run="$scratch/$signal"
  cat > "$scratch/view.sh" <<SCRIPT
#!/usr/bin/env bash
"$view" --train --data "$scratch/data" --model mlp --hidden 16 --batch 16 --epochs 100000 --out "$run" 2> "$scratch/$signal.err" &
pid=\$!
for i in \$(seq 300); do [ -s "$run/metrics.csv" ] && break; sleep 0.1; done
kill -$signal \$pid
rc=0; wait \$pid || rc=\$?
exit \$rc
SCRIPT
  chmod +x "$scratch/view.sh"
  rc=0; xvfb-run -a -s "-screen 0 1280x800x24" "$scratch/view.sh" || rc=$?
  want=143; [ $signal = INT ] && want=130
  [ $rc = $want ] || { cat "$scratch/$signal.err"; fail "SIG$signal: exit $rc, expected $want"; }
  grep -q "vkvae-view: training stopped at step" "$scratch/$signal.err" || { cat "$scratch/$signal.err"; fail "SIG$signal: not said"; }
  [ -s "$run/checkpoints/last.safetensors" ] || fail "SIG$signal: no checkpoint"
done
"$train" --resume "$scratch/TERM" --max-steps 1000 2> "$scratch/resume.err" || { cat "$scratch/resume.err"; fail "the run does not resume"; }
rm -rf "$scratch"
echo ok
