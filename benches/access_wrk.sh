#!/usr/bin/env bash
# Gate checks under wrk, beside /healthz in the same run, on a release build.
#   benches/access_wrk.sh [CONNECTIONS] [SECONDS]
# Sets up an admin, a zone with its manager, a guard and an approved visitor permit,
# then POSTs /api/v1/gate/check with the permit's code. DATABASE_URL=postgres://… for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
conns="${1:-16}"; secs="${2:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/daicho"
work=$(mktemp -d); trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pw='Bench-Passw0rd-2026'
initial='Bench-Shoki-Passw0rd-2026' # DAICHO_ADMIN_PASSWORD must be changed at first sign-in
DATABASE_URL="${DATABASE_URL:-$work/bench.db}" DAICHO_DATA_DIR="$work" DAICHO_BIND="127.0.0.1:$port" \
  DAICHO_ADMIN_PASSWORD="$initial" RUST_LOG=warn "$bin" serve &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
api() { # METHOD PATH TOKEN JSON → body
  curl -fs -X "$1" -H 'content-type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "${4:-{\}}" "$base$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() { api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$2\"}" | field '["token"]'; }
api POST /api/v1/auth/password "$(login admin "$initial")" "{\"current_password\":\"$initial\",\"new_password\":\"$pw\"}" >/dev/null
admin=$(login admin "$pw")
dept=$(api POST /api/v1/departments "$admin" '{"code":"JOHO","name":"情報政策課"}' | field '["id"]')
user() { # NAME ROLE → id token
  local id; id=$(api POST /api/v1/users "$admin" "{\"username\":\"$1\",\"display_name\":\"$1\",\"password\":\"Shoki-Passw0rd-9999\",\"roles\":[\"$2\"],\"department_id\":$dept}" | field '["id"]')
  local t; t=$(login "$1" Shoki-Passw0rd-9999)
  api POST /api/v1/auth/password "$t" "{\"current_password\":\"Shoki-Passw0rd-9999\",\"new_password\":\"$pw\"}" >/dev/null
  echo "$id $(login "$1" "$pw")"; }
read -r manager_id manager < <(user kacho security_manager)
read -r _ guard < <(user keibi guard)
read -r _ staff < <(user hira staff)
zone=$(api POST /api/v1/zones "$admin" "{\"code\":\"SRV-ROOM\",\"name\":\"サーバ室\",\"department_id\":$dept,\"manager_ids\":[$manager_id]}" | field '["id"]')
from=$(date -u +%Y-%m-%dT%H:%M:%SZ); until=$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)
permit=$(api POST /api/v1/permits "$staff" "{\"zone_id\":$zone,\"visitor\":{\"name\":\"山田 太郎\",\"organization\":\"保守会社\"},\"purpose\":\"保守\",\"valid_from\":\"$from\",\"valid_until\":\"$until\"}" | field '["id"]')
code=$(api POST "/api/v1/permits/$permit/approve" "$manager" | field '["code"]')
cat > "$work/check.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"code":"$code","zone_id":$zone}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $guard"
LUA
echo "== POST /api/v1/gate/check (allow), $conns connections, ${secs}s, $(nproc) cores"
api POST /api/v1/gate/check "$guard" "{\"code\":\"$code\",\"zone_id\":$zone}" | field '["verdict"]'
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/check.lua" "$base/api/v1/gate/check"
echo "== GET /healthz (trivial handler) in the same run, for the ceiling"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$base/healthz"
