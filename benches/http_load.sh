#!/usr/bin/env bash
# HTTP load on a release build: requests/s and latency percentiles from wrk.
#   benches/http_load.sh [PATH] [CONNECTIONS] [SECONDS]
# Default: GET /api/v1/me (token check + user look-up), 16 connections, 10 s, on a fresh SQLite file.
# Set DATABASE_URL=postgres://… to measure against PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
path="${1:-/api/v1/me}"; conns="${2:-16}"; secs="${3:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
work=$(mktemp -d); trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password='Bench-Passw0rd-2026'
initial='Bench-Shoki-Passw0rd-2026' # DAICHO_ADMIN_PASSWORD must be changed at first sign-in
DATABASE_URL="${DATABASE_URL:-$work/bench.db}" DAICHO_DATA_DIR="$work" DAICHO_BIND="127.0.0.1:$port" \
  DAICHO_ADMIN_PASSWORD="$initial" RUST_LOG=warn "${CARGO_TARGET_DIR:-target}/release/daicho" serve &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
login() { curl -fs -H 'content-type: application/json' -d "{\"username\":\"admin\",\"password\":\"$1\"}" \
  "http://127.0.0.1:$port/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
curl -fs -H 'content-type: application/json' -H "Authorization: Bearer $(login "$initial")" \
  -d "{\"current_password\":\"$initial\",\"new_password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/auth/password"
token=$(login "$password")
echo "== GET $path, $conns connections, ${secs}s, $(nproc) cores"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path"
echo "== GET /healthz (no auth, no database) in the same run, for the ceiling"
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/healthz"
