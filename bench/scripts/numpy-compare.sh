#!/bin/sh
# numpy's own test suite (Debian's python3-numpy, ~28,000 tests without `slow`), split by pytest node id:
# kubetest (local runtime, queue mode, 1 pod x 2 workers, batches, the timing store) against `pytest -n 2`
# (pytest-xdist) on the same machine, back to back. See docs/benchmarks.md, "numpy by test id against pytest-xdist".
# Usage: bench/scripts/numpy-compare.sh [WORKDIR] [REPEATS]   (Release build of kubetest first:
#   dotnet build src/Kubetest.Cli -c Release; Debian packages: python3-numpy python3-pytest python3-pytest-xdist
#   python3-hypothesis)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/numpy-compare}
repeats=${2:-1}
python=/usr/bin/python3
site=/usr/lib/python3/dist-packages
mkdir -p "$work"
cd "$work"
kubetest="dotnet $repo/src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll"
"$python" -c 'import numpy, pytest, xdist, hypothesis' || { echo "needs: apt-get install python3-numpy python3-pytest python3-pytest-xdist python3-hypothesis" >&2; exit 2; }

# The timing store of this script only: the first run finds it empty, as on a fresh CI runner.
export XDG_CACHE_HOME="$work/cache"
rm -rf "$XDG_CACHE_HOME"

run_kubetest() {
  /usr/bin/time -f "kubetest $1: %e s wall, peak RSS %M KB" \
    $kubetest "$repo/bench/data/numpy-tests.yaml" --runtime local --template python="$python" --template site="$site" -o "kubetest-$1.json" \
    > "kubetest-$1.log" 2> "kubetest-$1.err" || true
  grep -a 'summary:\|timings:' "kubetest-$1.err" | cut -c1-200
  tail -1 "kubetest-$1.err"
}

run_xdist() {
  # The same tests as the listing step collects, run from the same directory.
  ( cd "$site" && /usr/bin/time -f "pytest -n 2 $1: %e s wall" \
    "$python" -P -m pytest --rootdir=. -p no:cacheprovider -q -n 2 -m "not slow" numpy --ignore=numpy/typing ) > "xdist-$1.log" 2>&1 || true
  tail -2 "xdist-$1.log"
}

# 1. The first run: nothing stored, keys in listing order.
run_kubetest first
# 2. Then, back to back, the next run with no flags (planned from the store) and pytest -n 2.
i=1
while [ "$i" -le "$repeats" ]; do
  run_kubetest "next$i"
  run_xdist "$i"
  i=$((i + 1))
done
