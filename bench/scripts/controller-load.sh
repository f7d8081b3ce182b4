#!/bin/sh
# Load on `kubetest controller`: N TestJobs (default 50) applied at once to one controller with --max-concurrent-runs 4,
# on the API emulator (standalone, its kubelet the local runtime). Prints the wall time, the most TestJobs ever
# seen Running at once (polled every 0.2 s), the phases at the end, how many passed with a report, and the
# controller's RSS before the TestJobs, at its peak and at the end.
# See docs/benchmarks.md, "Controller under load".
# Usage: bench/scripts/controller-load.sh [WORKDIR] [TESTJOBS]   (Release builds first:
#   dotnet build src/Kubetest.Cli -c Release && dotnet build tests/Kubetest.Emulator -c Release)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/controller-load}
count=${2:-50}
rm -rf "$work"
mkdir -p "$work"
kubeconfig="$work/kubeconfig"
kubectl() { command kubectl --kubeconfig "$kubeconfig" --cache-dir "$work/kubectl-cache" --context admin "$@"; }

dotnet "$repo/tests/Kubetest.Emulator/bin/Release/net10.0/Kubetest.Emulator.dll" --kubeconfig "$kubeconfig" --state-dir "$work/kubelet" 2> "$work/emulator.log" &
emulator=$!
trap 'kill $controller $emulator 2>/dev/null || true' EXIT INT TERM
controller=$emulator
while [ ! -f "$kubeconfig" ]; do sleep 0.2; done
kubectl apply --validate=false -f "$repo/deploy/crd.yaml" > /dev/null

dotnet "$repo/src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll" controller --kubeconfig "$kubeconfig" --context controller \
  -n load --max-concurrent-runs 4 2> "$work/controller.log" &
controller=$!
while ! grep -q 'holds lease' "$work/controller.log"; do sleep 0.2; done
sleep 2
idle=$(awk '/VmRSS/ { print $2 }' "/proc/$controller/status")

# Each TestJob: 3 static keys of 1 s on one pod, as a small suite would be.
i=1
while [ "$i" -le "$count" ]; do
  cat <<YAML
apiVersion: kubetest.io/v1
kind: TestJob
metadata:
  name: load-$i
  namespace: load
spec:
  mainStep:
    strategy:
      key:
        env: KEY
        source:
          static: ["a", "b", "c"]
      scheduler:
        maxContainersPerPod: 3
    template:
      spec:
        containers:
          - name: test
            image: alpine
            command: ["sh", "-c", "sleep 1; echo \$KEY"]
---
YAML
  i=$((i + 1))
done > "$work/testjobs.yaml"

start=$(date +%s.%N)
kubectl apply --validate=false -f "$work/testjobs.yaml" > /dev/null
most=0
while :; do
  phases=$(kubectl get testjobs -n load -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}')
  running=$(printf '%s\n' "$phases" | grep -c '^Running$' || true)
  [ "$running" -gt "$most" ] && most=$running
  done_count=$(printf '%s\n' "$phases" | grep -c '^\(Succeeded\|Failed\|Error\)$' || true)
  [ "$done_count" -ge "$count" ] && break
  sleep 0.2
done
end=$(date +%s.%N)

echo "testjobs: $count, wall: $(awk "BEGIN { printf \"%.1f\", $end - $start }") s, most Running at once: $most (--max-concurrent-runs 4)"
printf '%s\n' "$phases" | sort | uniq -c | sed 's/^/phase: /'
# Correct, not only finished: every TestJob's status counts its 3 keys passed, and its report ConfigMap is there.
passed=$(kubectl get testjobs -n load -o jsonpath='{range .items[*]}{.status.successNum}/{.status.totalNum} {.status.reportConfigMap}{"\n"}{end}' | grep -c '^3/3 kubetest-report-load-' || true)
echo "TestJobs with 3/3 keys passed and a report ConfigMap: $passed"
echo "controller VmRSS before the TestJobs: $idle kB"
grep -E 'VmHWM|VmRSS' "/proc/$controller/status" | sed 's/^/controller /'
echo "controller log: $work/controller.log"
