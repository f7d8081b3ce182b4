#!/usr/bin/env bash
# Shipping a ~200 MB checkout (many small files, a few large ones) to 20 pods on the API emulator:
# kubetest's wall time and peak memory, against plain tar copies of the same tree.
# Usage: bench/scripts/repo-shipping.sh [PODS]   (from the repository root; builds Release first)
set -euo pipefail
cd "$(dirname "$0")/../.."
pods=${1:-20}
work=$(mktemp -d /tmp/kubetest-bench-ship-XXXXXX)
trap 'kill "${emulator_pid:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release src/Kubetest.Cli -v q -nologo >/dev/null
dotnet build -c Release tests/Kubetest.Emulator -v q -nologo >/dev/null

# The tree: 20,000 files of 8 KiB in 200 directories (~160 MB) and 4 files of 10 MiB (40 MB).
src="$work/src"
mkdir -p "$src"
for d in $(seq 0 199); do
  mkdir -p "$src/d$d"
  for f in $(seq 0 99); do head -c 8192 /dev/urandom > "$src/d$d/f$f"; done
done
for l in 0 1 2 3; do head -c 10485760 /dev/urandom > "$src/large$l.bin"; done
git -C "$src" init -q -b main
git -C "$src" config gc.auto 0
git -C "$src" add -A
git -C "$src" -c user.name=bench -c user.email=bench@localhost commit -q -m tree
git clone -q --bare "$src" "$work/repo.git"
sleep 1
checkout_mb=$(du -sm "$src" | cut -f1)

# Plain tar, the floor: the same tree (with .git) packed and unpacked once per pod, one after another.
start=$(date +%s.%N)
for p in $(seq 1 "$pods"); do mkdir -p "$work/tar/$p"; tar cf - -C "$src" . | tar xf - -C "$work/tar/$p"; done
tar_s=$(echo "$(date +%s.%N) - $start" | bc)
rm -rf "$work/tar"

dotnet tests/Kubetest.Emulator/bin/Release/net10.0/Kubetest.Emulator.dll --kubeconfig "$work/kubeconfig" --state-dir "$work/kubelet" >/dev/null 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do [ -s "$work/kubeconfig" ] && break; sleep 0.2; done

keys=$(seq -s, 1 "$pods" | sed 's/,/, /g')
cat > "$work/ship.yaml" <<YAML
apiVersion: kubetest.io/v1
kind: TestJob
metadata:
  name: ship
spec:
  repos:
    - name: tree
      value:
        url: file://$work/repo.git
        branch: main
  mainStep:
    strategy:
      key:
        env: TASK_KEY
        source:
          static: [$keys]
      scheduler:
        maxContainersPerPod: 1
    template:
      metadata:
        generateName: ship-
      spec:
        containers:
          - name: test
            image: alpine
            command: ["sh", "-c", "test -f /src/large3.bin && ls /src/d199 | wc -l"]
            volumeMounts:
              - name: tree
                mountPath: /src
        volumes:
          - name: tree
            repo:
              name: tree
YAML

start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" dotnet src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll \
  --runtime kubernetes -c "$work/kubeconfig" --log-level warn "$work/ship.yaml" > "$work/report.json"
kubetest_s=$(echo "$(date +%s.%N) - $start" | bc)
status=$(grep -o '"status": "[a-z]*"' "$work/report.json" | tail -1)
rss_mb=$(awk -F: '/Maximum resident set size/ {printf "%d", $2/1024}' "$work/time.txt")

echo "checkout: ${checkout_mb} MB (working tree and .git), ${pods} pods; run ${status}"
printf 'plain tar, %s sequential copies: %.1f s\n' "$pods" "$tar_s"
printf 'kubetest (clone once + ship to %s pods + run): %.1f s, peak RSS %s MiB\n' "$pods" "$kubetest_s" "$rss_mb"
