#!/usr/bin/env bash
# Where the CPU goes in "smtpscope replay" of the large transcript (load, then r)
# and in the inspector under the flood of bench/flood.sh (the EHLO reply of
# LINE-byte lines). Each program runs in the pty of bench/tui-bench.py, under
# perf record (sampling, call graphs from DWARF); without perf, under valgrind
# --tool=callgrind on shorter inputs (200,000 lines, a 3 s flood).
#
# usage: bench/profile.sh [BUILD_DIR] [LINES]       (defaults: build 1000000)
#   FLOOD="2000 100"   the flood's line sizes; WINDOW=6 seconds of flood
#   PROFILER=callgrind to use valgrind even where perf works
# Writes bench/out/profile-*.txt (the top functions, self and with callees)
# and the raw perf.data / callgrind.out files next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lines=${2:-1000000}
floods=${FLOOD:-2000 100}
window=${WINDOW:-6}
out=bench/out
mkdir -p "$out"
for tool in python3 timeout "$build/smtpscope" "$build/gen-transcript"; do
	command -v "$tool" >/dev/null || { echo "bench/profile.sh: $tool not found" >&2; exit 69; }
done
if [ "${PROFILER:-}" != callgrind ] && command -v perf >/dev/null &&
	perf record -q -o /dev/null -- true 2>/dev/null; then
	tool=perf
elif command -v valgrind >/dev/null; then
	tool=callgrind
	[ "$lines" -gt 200000 ] && lines=200000
	window=3
	echo "bench/profile.sh: no usable perf; valgrind --tool=callgrind, $lines lines, a ${window} s flood" >&2
else
	echo "bench/profile.sh: neither perf nor valgrind" >&2
	exit 69
fi

# The profiler's command line for an output file $1.
prof() {
	if [ "$tool" = perf ]; then
		echo perf record -q -F 1999 --call-graph dwarf,16384 -o "$1.perf.data" --
	else
		echo valgrind -q --tool=callgrind --callgrind-out-file="$1.callgrind.out" --
	fi
}

# The top functions of a profile $1 (its base name), into $1.txt.
report() {
	( # head closes its pipe early: no pipefail here
		set +o pipefail
		echo "# $2"
		if [ "$tool" = perf ]; then
			echo "## self (the function's own samples)"
			perf report -i "$1.perf.data" --no-children --sort dso,symbol --stdio -g none \
				--percent-limit 0.7 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
			echo "## with callees (children), user space"
			perf report -i "$1.perf.data" --children --sort symbol --stdio -g none \
				--percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | grep -v '\[k\]' | head -60
		else
			echo "## self (instructions executed)"
			callgrind_annotate --auto=no "$1.callgrind.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -32
			echo "## inclusive"
			callgrind_annotate --auto=no --inclusive=yes "$1.callgrind.out" 2>/dev/null |
				sed -n '/^Ir/,$p' | head -42
		fi
	) >"$1.txt"
	echo "== $1.txt"
	sed -n '1,18p' "$1.txt"
}

tb() { timeout -k 5 600 python3 bench/tui-bench.py --step-timeout 300 --timeout 500 "$@"; }

file="$out/transcript-${lines}-lines.txt"
[ -s "$file" ] || timeout 120 "$build/gen-transcript" --lines "$lines" >"$file"
base="$out/profile-replay"
# shellcheck disable=SC2046
tb --exit-ok 0,1 -s 'first "replay 0\b"' -s 'key to-end r "replay (\d+)/\1\b"' -s quit \
	-- $(prof "$base") "$build/smtpscope" replay "$file"
report "$base" "smtpscope replay $file: load and first paint, then r (all lines), then q"

lab_pid=
trap '[ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; true' EXIT
for bytes in $floods; do
	scn="$out/flood-$bytes.scn"
	python3 - "$bytes" >"$scn" <<'PY'
import sys
n = int(sys.argv[1])
head = "250-X-FLOOD "
print(f"summary Flood: after EHLO an endless EHLO reply of {n}-byte lines")
print("greeting\n\tsend 220 flood.example ESMTP")
print("on EHLO plain\n\tsend 250-flood.example")
print(f"\trepeat 1000000000 send {head}{'x' * (n - len(head) - 2)}")
PY
	: >"$out/lab.out"
	timeout -k 5 600 "$build/smtpscope" lab --max-clients 4 --session-timeout 120 "$scn" \
		>"$out/lab.out" 2>"$out/lab.err" &
	lab_pid=$!
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out/lab.out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "bench/profile.sh: the lab did not start" >&2; exit 1; }
	base="$out/profile-flood-$bytes"
	# shellcheck disable=SC2046
	tb --settle 0 --exit-ok 0,1,2 --tcp-port "$port" -s 'first "next: EHLO"' \
		-s 'key ehlo <Space> "X-FLOOD"' -s "flood flood $window" -s quit \
		-- $(prof "$base") "$build/smtpscope" 127.0.0.1:"$port"
	report "$base" "the inspector under a ${window} s flood of $bytes-byte EHLO reply lines"
	kill "$lab_pid" 2>/dev/null || true
	wait "$lab_pid" 2>/dev/null || true
	lab_pid=
done
