#!/usr/bin/env bash
# Runs each argument as a shell command, all at the same time, each writing to its own log; once all
# have ended, prints each log whole (in the order given, so no two interleave) and its exit code, and
# fails when any failed. For steps that mostly wait on the network and the disk (npm installs), or
# use one core each: test:all runs type-check and lint this way, then the tutorial and newest-Nest.
#   bash test/setup/side-by-side.sh 'npm run test:tutorial' 'npm run test:newest-nest'
set -uo pipefail

[ $# -gt 0 ] || { echo "usage: $0 'command' ['command' …]" >&2; exit 2; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/side-by-side.XXXXXX")
pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  rm -rf "$logs"
  exit 130
}
trap stop INT TERM

# setsid: each command leads its own process group, so an interrupt stops it and its children.
index=0
for command in "$@"; do
  setsid bash -c "$command" >"$logs/$index.log" 2>&1 &
  pids+=($!)
  index=$((index + 1))
done

failed=0
index=0
for command in "$@"; do
  wait "${pids[$index]}"
  code=$?
  echo "── $command (exit $code)"
  cat "$logs/$index.log"
  [ "$code" -eq 0 ] || failed=1
  index=$((index + 1))
done
rm -rf "$logs"
exit "$failed"
