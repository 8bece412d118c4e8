#!/usr/bin/env bash
# stop_and_lock.sh EXPECT TRAIN DATA SCRATCH: SIGTERM and Ctrl-C end a training run with a
# checkpoint it can resume from (exit 143 and 130); a second run on a directory in use is refused
# naming the holder's pid; two runs started at once into one --out leave one run's files, not a
# mix; directories where files belong and training options given to a command on a trained model
# are refused in one line; a command takes a run directory for its best checkpoint.
set -eu
expect=$1 train=$2 data=$3 scratch=$4
for icd in /usr/share/vulkan/icd.d/lvp_icd.*.json; do [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; done
rm -rf "$scratch" && mkdir -p "$scratch"
fail() { echo "FAIL: $*"; exit 1; }
long=(--data "$data" --model mlp --hidden 16 --batch 16 --epochs 100000)

# Waits until a run has begun training (its config.json is written once every check passed).
started() { for _ in $(seq 300); do [ -s "$1/config.json" ] && { sleep 0.5; return 0; }; sleep 0.1; done; fail "$1 never started"; }

for signal in TERM INT; do
  run="$scratch/$signal"
  "$train" "${long[@]}" --out "$run" 2> "$scratch/$signal.err" &
  pid=$!
  started "$run"
  kill -"$signal" $pid
  rc=0; wait $pid || rc=$?
  want=143; [ $signal = INT ] && want=130
  [ $rc = $want ] || { cat "$scratch/$signal.err"; fail "SIG$signal: exit $rc, expected $want"; }
  grep -q "^interrupted at step [0-9]*; checkpoint written" "$scratch/$signal.err" || { cat "$scratch/$signal.err"; fail "SIG$signal: no checkpoint said"; }
  [ -s "$run/checkpoints/last.safetensors" ] || fail "SIG$signal: no checkpoint"
done
"$expect" 0 stderr "^done: " -- "$train" --resume "$scratch/TERM" --max-steps 50

# A run holds its directory: a second run or a resume on it is refused, naming the holder.
"$train" "${long[@]}" --out "$scratch/held" 2> "$scratch/held.err" &
pid=$!
started "$scratch/held"
"$expect" 2 stderr "error: --resume $scratch/held: in use by another vkvae run \(pid $pid\)" -- "$train" --resume "$scratch/held"
"$expect" 2 stderr "error: --out $scratch/held: (in use by another vkvae run \(pid $pid\)|not empty)" -- "$train" "${long[@]}" --out "$scratch/held"
kill -TERM $pid; wait $pid || true

# Two runs started at once into one new directory: one trains, the other is refused.
"$train" --data "$data" --model mlp --hidden 16 --batch 16 --max-steps 2 --seed 1 --out "$scratch/race" 2> "$scratch/race1.err" & a=$!
"$train" --data "$data" --model mlp --hidden 16 --batch 16 --max-steps 2 --seed 2 --out "$scratch/race" 2> "$scratch/race2.err" & b=$!
ra=0; wait $a || ra=$?
rb=0; wait $b || rb=$?
[ "$ra$rb" = 02 ] || [ "$ra$rb" = 20 ] || { cat "$scratch"/race*.err; fail "racing runs exited $ra and $rb; expected one 0 and one 2"; }
winner=1; [ $ra = 0 ] || winner=2
grep -q "\"seed\": $winner," "$scratch/race/config.json" || fail "config.json is not the winner's (seed $winner)"
loser=2; [ $winner = 1 ] || loser=1
grep -Eq "error: --out $scratch/race: (in use by another vkvae run|not empty)" "$scratch/race$loser.err" || { cat "$scratch/race$loser.err"; fail "the refused run's message"; }

# A device that does not finish within --gpu-timeout, nor in as long again: one line, exit 4, no
# crash (freeing memory the device still used crashed lavapipe), nothing written.
rc=0; "$train" --data "$data" --model conv --batch 16 --max-steps 4 --gpu-timeout 0.001 --out "$scratch/slow" 2> "$scratch/slow.err" || rc=$?
[ $rc = 4 ] || { cat "$scratch/slow.err"; fail "--gpu-timeout 0.001: exit $rc, expected 4"; }
grep -q "^vkvae: error: .*VK_TIMEOUT.*taken as hung" "$scratch/slow.err" || { cat "$scratch/slow.err"; fail "the hung-device message"; }
[ ! -e "$scratch/slow/config.json" ] || fail "a run that never trained wrote config.json"

# --log-every: a row every N steps, appended; a resume takes a new N and adds rows, none twice.
"$expect" 0 stderr "^done: 4 steps" -- "$train" --data "$data" --model mlp --hidden 16 --batch 16 --max-steps 4 --log-every 2 --out "$scratch/steps"
[ "$(cut -d, -f1 "$scratch/steps/metrics_steps.csv" | tr '\n' ' ')" = "step 2 4 " ] || fail "metrics_steps.csv: $(cat "$scratch/steps/metrics_steps.csv")"
"$expect" 2 stderr "error: --log-every -1: must be at least 0" -- "$train" --resume "$scratch/steps" --log-every -1
"$expect" 0 stderr "^done: 7 steps" -- "$train" --resume "$scratch/steps" --max-steps 7 --log-every 3
[ "$(cut -d, -f1 "$scratch/steps/metrics_steps.csv" | tr '\n' ' ')" = "step 2 4 6 " ] || fail "metrics_steps.csv after resume: $(cat "$scratch/steps/metrics_steps.csv")"

# Directories where files belong.
mkdir -p "$scratch/dir"
"$expect" 2 stderr "error: --init $scratch/dir: is a directory. give a file" -- "$train" --data "$data" --batch 16 --init "$scratch/dir" --out "$scratch/i"
[ ! -e "$scratch/i" ] || fail "a refused run left $scratch/i"
"$expect" 2 stderr "error: --init $scratch/none.safetensors: cannot open for reading" -- \
  "$train" --data "$data" --batch 16 --init "$scratch/none.safetensors" --out "$scratch/i"
"$expect" 2 stderr "error: --config $scratch/dir: is a directory. give a file" -- "$train" --config "$scratch/dir"
ckpt="$scratch/race/checkpoints/best.safetensors"
"$expect" 2 stderr "error: --images $scratch/dir: no t10k-images-idx3-ubyte \(or t10k-images-idx3-ubyte.gz\) in it. give --images an IDX file or an MNIST-layout directory" -- \
  "$train" anomaly "$ckpt" --images "$scratch/dir" --out "$scratch/a.csv"
"$expect" 2 stderr "error: $scratch/dir: is a directory, not an IDX file. check --images and --labels" -- \
  "$train" anomaly "$ckpt" --images "$data/t10k-images-idx3-ubyte.gz" --labels "$scratch/dir" --out "$scratch/a.csv"
[ ! -e "$scratch/a.csv" ] || fail "a refused command wrote a.csv"

# Commands on a trained model: a run directory stands for its best checkpoint; the device flags
# may follow the command; training options are refused, before or after it.
"$expect" 0 stdout "^checkpoint: $ckpt " -- "$train" evaluate "$scratch/race" --k 0 --device 0
"$expect" 2 stderr "error: --model: a training option. evaluate takes the model and its options from the checkpoint" -- \
  "$train" --model mlp evaluate "$ckpt"
"$expect" 2 stderr "error: --lr: a training option. sample takes the model" -- "$train" sample "$ckpt" --lr 0.1 --out "$scratch/s.png"
"$expect" 2 stderr "error: --limit: must be a whole number, at least 1 \(got 0\)" -- "$train" evaluate "$ckpt" --limit 0
"$expect" 2 stderr "error: $scratch/dir: a directory without checkpoints/best.safetensors" -- "$train" evaluate "$scratch/dir"
rm -rf "$scratch"
echo ok
