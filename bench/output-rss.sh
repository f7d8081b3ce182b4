#!/usr/bin/env bash
# Peak RSS of the kubetest process while one key prints 200 MB (docs/benchmarks.md, "Memory and
# a key's output"): 2,000,000 lines of 99 characters, and one line of 200,000,000 characters, on the
# local runtime and on the kubernetes runtime against the standalone API emulator. Each case runs
# RUNS times; the median is printed, and each run's exit code and report status (a run that fails is
# reported, not hidden: main before issue 6 re-ran and lost big outputs on the kubernetes runtime).
#
# usage: bench/output-rss.sh [CHECKOUT] [RUNS]
#   CHECKOUT: a checkout built with `dotnet build Kubetest.slnx -c Release` (default: this one)
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
runs=${2:-3}
cli=$root/src/Kubetest.Cli/bin/Release/net10.0/kubetest.dll
emulator=$root/tests/Kubetest.Emulator/bin/Release/net10.0/Kubetest.Emulator.dll
for dll in "$cli" "$emulator"; do
  [ -f "$dll" ] || { echo "missing $dll: build $root with -c Release first" >&2; exit 2; }
done

work=$(mktemp -d)
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet "$emulator" --kubeconfig "$work/kubeconfig" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [ -f "$work/kubeconfig" ] && break; sleep 0.2; done
[ -f "$work/kubeconfig" ] || { echo "the emulator did not start" >&2; cat "$work/emulator.log" >&2; exit 1; }

manifest() { # NAME SCRIPT
  cat >"$work/$1.yaml" <<EOF
apiVersion: kubetest.io/v1
kind: TestJob
metadata:
  name: output-rss
spec:
  mainStep:
    strategy:
      key:
        env: TASK_KEY
        source:
          static: [big]
      scheduler:
        maxContainersPerPod: 1
    template:
      metadata:
        generateName: output-rss-
      spec:
        containers:
          - name: test
            image: alpine
            command: ["sh", "-c"]
            args: ["$2"]
EOF
}
manifest lines "head -c 200000000 /dev/zero | tr '\\\\0' a | fold -w 99"
manifest oneline "head -c 200000000 /dev/zero | tr '\\\\0' a"

echo "kubetest at $root; $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), .NET $(dotnet --version)"
for runtime in local kubernetes; do
  args=(--runtime "$runtime")
  [ "$runtime" = kubernetes ] && args+=(-c "$work/kubeconfig")
  for case in lines oneline; do
    rss=()
    for i in $(seq "$runs"); do
      exit_code=0
      TMPDIR=$work /usr/bin/time -f %M -o "$work/rss" dotnet "$cli" "${args[@]}" "$work/$case.yaml" >"$work/report.json" 2>"$work/stderr" || exit_code=$?
      status=$(grep -o '"status": *"[a-z]*"' "$work/report.json" | head -n1 || true)
      chars=$(grep -v '^\[' "$work/stderr" | tr -d '\n' | wc -c)
      errors=$(grep -m1 '^\[ERROR\]' "$work/stderr" | cut -c1-160 || true)
      rss+=("$(tail -n1 "$work/rss")")
      echo "  $runtime $case run $i: peak RSS $(( $(tail -n1 "$work/rss") / 1024 )) MiB, exit $exit_code, report $status, output characters on stderr $chars $errors"
    done
    median=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    echo "$runtime $case: median peak RSS $(( median / 1024 )) MiB (runs: ${rss[*]} KiB)"
  done
done
