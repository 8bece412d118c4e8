#!/usr/bin/env bash
# help_text.sh TRAIN VIEW: every help screen fits 100 columns and names values by what they are
# (N, FILE.png), never by CLI11's raw types and ranges (INT:INT in [0 - 1000000]).
set -eu
train=$1 view=$2
status=0
check() {
  local name=$1; shift
  local text
  text=$("$@" --help) || { echo "FAIL: $name --help exited $?"; status=1; return; }
  local widest
  widest=$(printf '%s\n' "$text" | wc -L)
  [ "$widest" -le 100 ] || { echo "FAIL: $name --help has a line of $widest columns"; status=1; }
  if printf '%s\n' "$text" | grep -Eq '\b(INT|UINT|TEXT|FLOAT)\b|REQUIRED|:PATH| in \[[-0-9]'; then
    echo "FAIL: $name --help shows raw types:"; printf '%s\n' "$text" | grep -E '\b(INT|UINT|TEXT|FLOAT)\b|REQUIRED|:PATH| in \[[-0-9]'
    status=1
  fi
}
check vkvae-train "$train"
for command in evaluate sample interpolate anomaly encode decode denoise inpaint augment; do check "vkvae-train $command" "$train" "$command"; done
check vkvae-view "$view"
[ $status = 0 ] && echo ok
exit $status
