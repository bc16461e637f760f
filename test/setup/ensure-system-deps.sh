#!/usr/bin/env bash
# Installs the system packages the test suites need, from Debian's repositories, when they are missing.
# The browser test drives Debian's chromium (never a downloaded browser build); the Redis suites (issue #7) need redis-server;
# the permessage-deflate interop suite runs Debian's python3-websockets with Debian's /usr/bin/python3 (issue #5).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -I -c 'import websockets' >/dev/null 2>&1 || missing+=(python3-websockets)
command -v redis-server >/dev/null || missing+=(redis-server)
# Redis Sentinel and NATS suites (issue 18) start Debian's redis-sentinel and nats-server on loopback.
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
# The h2c specs (issue 14) run `curl --http2` as the client that found the defect.
command -v curl >/dev/null || missing+=(curl)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing from Debian: ${missing[*]}"
sudo=''
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo='sudo'
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
