#!/usr/bin/env bash
# Measures bistro serve over loopback: sync webhook runs/s and latency at
# concurrency 1, 16 and 64; async accept rate at 64 and how fast every
# accepted event then runs to completion; idle and peak RSS; start-to-ready.
# The load generator runs on the same machine and competes for its CPUs.
#
#   scripts/bench-server.sh            # 10 s per load step
#   DURATION=5s scripts/bench-server.sh
#   SERVE_FLAGS="--workers 64" scripts/bench-server.sh   # extra serve flags
set -euo pipefail

DURATION=${DURATION:-10s}
PORT=${PORT:-18480}
SERVE_FLAGS=${SERVE_FLAGS:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/bistro-bench.XXXXXX)
URL=http://127.0.0.1:$PORT
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cd "$ROOT"
go build -o "$WORK/bistro" ./cmd/bistro
go build -o "$WORK/bistro-load" ./cmd/bistro-load

now_ms() { date +%s%3N; }
rss() { awk -v k="$1:" '$1 == k { printf "%.1f MB", $2 / 1024 }' "/proc/$PID/status"; }

# Start to ready: from exec to the first 200 from /readyz.
t0=$(now_ms)
"$WORK/bistro" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" $SERVE_FLAGS >"$WORK/server.log" 2>&1 &
PID=$!
until curl -fs -o /dev/null "$URL/readyz"; do
	kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
done
ready_ms=$(( $(now_ms) - t0 ))
TOKEN=$(cat "$WORK/data/admin-token")
idle_rss=$(rss VmRSS)

apply() { # apply NAME DOCUMENT -> prints the webhook path
	jq -n --arg d "$2" --arg f "$1.yaml" '{document: $d, file: $f}' |
		curl -fsS -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			--data @- "$URL/api/v1/flows" | jq -r .flow.webhook_path
}
SYNC=$(apply bench-sync 'bistro: 1
name: bench-sync
trigger:
  webhook: { method: POST, mode: sync }
steps:
  - id: clean
    set:
      email: "{{ lower(trim(record.email)) }}"
      n: "{{ record.n }}"
  - id: real_only
    filter: not (record.email endsWith "@test.invalid")
  - id: reply
    respond: { status: 200, body: { ok: true, email: "{{ record.email }}" } }')
ASYNC=$(apply bench-async 'bistro: 1
name: bench-async
trigger:
  webhook: { method: POST, mode: async }
steps:
  - id: clean
    set:
      email: "{{ lower(trim(record.email)) }}"
  - id: real_only
    filter: not (record.email endsWith "@test.invalid")')
BODY='{"email": "  Ann.{{seq}}@Example.com ", "n": {{seq}}}'

load() { # load CONCURRENCY PATH -> JSON report
	"$WORK/bistro-load" -json -url "$URL$2" -c "$1" -d "$DURATION" -body "$BODY"
}
row() { # row LABEL REPORT
	jq -r --arg l "$1" '"| \($l) | \(.requests_per_second | floor) /s | \(.p50_ns/1e6*100|round/100) ms | \(.p90_ns/1e6*100|round/100) ms | \(.p99_ns/1e6*100|round/100) ms | \(.by_status | tostring) \(.failed // {} | tostring) |"' <<<"$2"
}

echo "| load | answered | p50 | p90 | p99 | answers by status |"
echo "|---|---|---|---|---|---|"
for c in 1 16 64; do
	row "sync, concurrency $c" "$(load "$c" "$SYNC")"
done

# Async: accept for DURATION at 64, then wait until nothing is queued or running.
t1=$(now_ms)
rep=$(load 64 "$ASYNC")
row "async accept, concurrency 64" "$rep"
accepted=$(jq '.by_status["202"] // 0' <<<"$rep")
open_runs() {
	local n=0 s
	for s in queued running waiting; do
		n=$(( n + $(curl -fsS -H "Authorization: Bearer $TOKEN" \
			"$URL/api/v1/runs?flow=bench-async&status=$s&limit=1" | jq '.runs | length') ))
	done
	echo "$n"
}
until [ "$(open_runs)" = 0 ]; do sleep 0.2; done
done_ms=$(( $(now_ms) - t1 ))
succeeded=0 before=""
while :; do
	page=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/runs?flow=bench-async&limit=1000${before:+&before=$before}")
	succeeded=$(( succeeded + $(jq '[.runs[] | select(.status == "succeeded")] | length' <<<"$page") ))
	before=$(jq -r '.next // empty' <<<"$page")
	[ -n "$before" ] || break
done

echo
echo "| measure | result |"
echo "|---|---|"
echo "| start to ready (exec to /readyz 200) | ${ready_ms} ms |"
echo "| RSS idle after start (VmRSS) | $idle_rss |"
echo "| RSS after the load (VmRSS) | $(rss VmRSS) |"
echo "| peak RSS (VmHWM) | $(rss VmHWM) |"
echo "| async: accepted / succeeded runs | $accepted / $succeeded |"
echo "| async: accept start to every run ended | ${done_ms} ms, $(( accepted * 1000 / done_ms )) runs/s |"
