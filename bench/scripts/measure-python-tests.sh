#!/bin/sh
# Measures a duration table of a real suite for the `simulate` benchmark: every STEP-th module of
# this machine's CPython regression suite (`python3 -m test --list-tests`), run one at a time
# (serially, nothing else of ours running), each with a per-module timeout. Writes CSV
# `key,seconds,status` (status: passed, failed or timeout; a timed-out module is kept out of the
# workload). Usage: bench/scripts/measure-python-tests.sh [STEP] [TIMEOUT_SECONDS] > bench/data/cpython-tests.csv
set -eu
step=${1:-7}
limit=${2:-20}
echo "key,seconds,status"
python3 -m test --list-tests 2>/dev/null | awk -v s="$step" 'NR % s == 1' | while read -r module; do
  start=$(date +%s.%N)
  if timeout -k 2 "$limit" python3 -m test "$module" >/dev/null 2>&1; then status=passed; else
    rc=$?; if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then status=timeout; else status=failed; fi
  fi
  end=$(date +%s.%N)
  printf '%s,%s,%s\n' "$module" "$(echo "$end - $start" | bc -l | awk '{printf "%.3f", $1}')" "$status"
done
