#!/usr/bin/env bash
# Redis pub/sub throughput per core of redis-server, for docs/scaling.md's sizing: a redis-server
# of its own on a free loopback port, SUBSCRIBERS redis-cli subscribers on one channel (nodes with a
# member in the room), redis-benchmark publishing 64-byte messages pipelined. Reports publishes and
# deliveries per second of redis-server CPU (utime + stime from /proc), which the load of other
# processes on the machine does not skew. Stops everything it started by PID.
#
#   bash bench/cross-node/redis-publish-per-core.sh [SUBSCRIBERS=3] [PUBLISHES=300000]
set -euo pipefail
subscribers=${1:-3}
publishes=${2:-300000}
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --loglevel warning &
server=$!
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
for _ in $(seq "$subscribers"); do
  redis-cli -p "$port" subscribe bench >/dev/null &
  pids+=($!)
done
until [ "$(redis-cli -p "$port" pubsub numsub bench | tail -1)" = "$subscribers" ]; do sleep 0.05; done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
start=$(date +%s.%N)
redis-benchmark -p "$port" -q -n "$publishes" -c 8 -P 32 publish bench "$(head -c 64 /dev/zero | tr '\0' x)" >/dev/null
end=$(date +%s.%N)
cpu=$(echo "($(ticks) - $before) / $hz" | bc -l)
wall=$(echo "$end - $start" | bc -l)
printf 'redis-server: %d publishes to %d subscribers in %.2f s wall, %.2f s of its CPU\n' "$publishes" "$subscribers" "$wall" "$cpu"
printf '  publishes per CPU-s:  %.0f\n' "$(echo "$publishes / $cpu" | bc -l)"
printf '  deliveries per CPU-s: %.0f\n' "$(echo "$publishes * $subscribers / $cpu" | bc -l)"
