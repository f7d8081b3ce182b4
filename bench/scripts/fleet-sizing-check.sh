#!/bin/sh
# The dry run's fleet sizing table against real runs: 24 keys of skewed sleeps (256 s of work in all) in
# queue mode with 2 workers per pod, on the local runtime. A first run records the durations; the dry run
# predicts the makespan by pod count from them; real runs at 2 and 4 pods give the job's elapsed time
# (report elapsedTimeSec: whole seconds, pod start-up included). See docs/benchmarks.md.
# Usage: bench/scripts/fleet-sizing-check.sh [WORKDIR]   (Release build first: dotnet build src/Kubetest.Cli -c Release)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/fleet-sizing-check}
mkdir -p "$work"
cd "$work"
kubetest=${KUBETEST:-"dotnet $repo/src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll"}

cat > job.yaml <<'YAML'
apiVersion: kubetest.io/v1
kind: TestJob
metadata:
  name: sizing
spec:
  mainStep:
    strategy:
      key:
        env: SECONDS_TO_SLEEP
        source:
          static: ["32", "28", "24", "20", "20", "16", "16", "12", "12", "12", "8", "8", "8", "8", "4", "4", "4", "4", "4", "4", "2", "2", "2", "2"]
      scheduler:
        mode: queue
        maxPodNum: {{ .pods }}
        maxConcurrentNumPerPod: 2
    template:
      metadata:
        generateName: sizing-
      spec:
        containers:
          - name: test
            image: busybox
            command: ["sh", "-c", "sleep $SECONDS_TO_SLEEP"]
YAML

# 1. The durations (a run at 4 pods; its report is the --timings of the rest).
$kubetest --runtime local --timings-store none --template pods=4 -o first.json job.yaml > /dev/null 2> first.err
# 2. The prediction, planned at 2 pods: the table goes up to 8.
$kubetest --runtime local --timings-store none --template pods=2 --timings first.json --dry-run job.yaml 2> plan.err > /dev/null
grep -A5 'fleet sizing:' plan.err
# 3. Real runs with the same timings.
for pods in 2 4; do
  $kubetest --runtime local --timings-store none --template pods=$pods --timings first.json -o run$pods.json job.yaml > /dev/null 2> run$pods.err
  python3 -c "import json,sys; print('real run at $pods pods: elapsedTimeSec', json.load(open('run$pods.json'))['elapsedTimeSec'])"
done
