#!/bin/sh
# CPython's regression suite on this machine: `python3 -m test -j2` against kubetest (local runtime,
# queue mode, 1 pod x 2 workers, batches of up to 30 s by --timings). See docs/benchmarks.md.
# Usage: bench/scripts/cpython-compare.sh [WORKDIR]   (Release build of kubetest first:
#   dotnet build src/Kubetest.Cli -c Release)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/cpython-compare}
mkdir -p "$work"
cd "$work"
kubetest="dotnet $repo/src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll"

# The interpreter itself: `python3` may be a wrapper (a pyenv shim costs 0.4 s per start), which -j2's workers
# never pay (they start sys.executable). kubetest's batches and -j2 both start this one.
python=$(python3 -c 'import sys; print(sys.executable)')

# Modules that hang here (they never end without --timeout) are left out of both runs.
"$python" -m test --list-tests 2>/dev/null \
  | grep -vxE 'test.test_asyncio.test_tasks|test_signal|test_socket|test__xxsubinterpreters|test_interpreters' > modules.txt

# 1. An earlier run: its JUnit XML gives the timings (its wall time is not the comparison). Kept from a run before.
[ -s earlier.xml ] || "$python" -m test -j2 --timeout 120 --junit-xml "$work/earlier.xml" $(cat modules.txt) > earlier.log 2>&1 || true

# 2. kubetest with those timings, then 3. -j2 again, back to back.
/usr/bin/time -f "kubetest: %e s wall, peak RSS %M KB" \
  $kubetest "$repo/bench/data/cpython-batches.yaml" --runtime local --template python="$python" --list modules.txt --timings earlier.xml -o kubetest.json \
  > kubetest.log 2> kubetest.err || true
tail -1 kubetest.err
/usr/bin/time -f "python3 -m test -j2: %e s wall" \
  "$python" -m test -j2 --timeout 120 $(cat modules.txt) > j2.log 2>&1 || true
tail -1 j2.log
