#!/usr/bin/env bash
# End-to-end benchmark: one million JSON lines through `bistro run` with the
# set -> filter -> group flow in scripts/million.yaml. Prints wall time and
# peak RSS of the bistro process (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/bistro" ./cmd/bistro
awk 'BEGIN { split("de fr it es nl pl se at", c, " "); for (i = 0; i < 1000000; i++) printf "{\"id\":%d,\"country\":\"%s\",\"cents\":%d}\n", i, c[i % 8 + 1], (i * 7919) % 100000 }' > "$tmp/in.jsonl"
if [ ! -x /usr/bin/time ]; then
	echo "bench-million: GNU time is missing (apt-get install time)" >&2
	exit 1
fi
for i in 1 2 3; do
	/usr/bin/time -f "bench-million: run $i: %e s wall, %M KB peak RSS" "$tmp/bistro" run scripts/million.yaml < "$tmp/in.jsonl" > "$tmp/out.jsonl" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	grep '^bench-million' "$tmp/err"
done
echo "bench-million: output records: $(wc -l < "$tmp/out.jsonl")"
