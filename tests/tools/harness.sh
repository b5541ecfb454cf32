# harness.sh: what the integration scripts share. Source it after setting
# bin; it gives a scratch folder ($work), counters (ok, bad, finish), servers
# that print "listening on 127.0.0.1:PORT" (listen), and a cleanup on exit
# that kills every server started and calls harness_extra_cleanup if defined.

work=$(mktemp -d)

# shellcheck source=slow.sh
. "$(dirname "${BASH_SOURCE[0]}")/slow.sh"
pids=()
pass=0
fail=0

harness_cleanup() {
	if declare -F harness_extra_cleanup >/dev/null; then harness_extra_cleanup; fi
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap harness_cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# listen NAME COMMAND...: starts a server in the background; sets $port
# from its first line, "listening on 127.0.0.1:PORT" (5 s at most, or
# slower under valgrind).
listen() {
	local out="$work/listen.$1"
	shift
	: >"$out"
	"$@" >"$out" 2>&1 &
	pids+=($!)
	port=""
	for _ in $(seq 1 $((100 * slowdown))); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	bad "$* did not start: $(cat "$out")"
	port=1
}

# finish: the closing line the CI reads, and the exit status.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
