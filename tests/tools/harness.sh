# harness.sh: what the test scripts share (the integration tests, the client
# matrix, the CLI tests). Source it after setting bin; it gives a scratch
# folder ($work), counters (ok, bad, finish), servers that print "listening
# on 127.0.0.1:PORT" (listen), exit statuses (expect_rc), runs of check
# --json judged by their exit status (check_json) and by expressions on
# their JSON (expect), and a cleanup on exit that kills every server
# started and calls harness_extra_cleanup if defined. It works under set -e
# as well as without.
#
# Set work_parent before sourcing to make $work in that folder rather than
# in $TMPDIR (postfix.sh: in /tmp, where Postfix's daemons can reach it).
# $work is an absolute path without links.

work=$(realpath "$(mktemp -d "${work_parent:-${TMPDIR:-/tmp}}/smtpscope-test.XXXXXX")")

# shellcheck source=slow.sh
. "$(dirname "${BASH_SOURCE[0]}")/slow.sh"
pids=()
pass=0
fail=0

harness_cleanup() {
	local pid
	if declare -F harness_extra_cleanup >/dev/null; then harness_extra_cleanup || true; fi
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
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

# expect_rc WANT WHAT COMMAND...: COMMAND, its standard input /dev/null and
# its output in $work/rc.out and rc.err, exits WANT; else its standard error
# is shown.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$work/rc.out" 2>"$work/rc.err" </dev/null || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want: $(cat "$work/rc.err")"; fi
}

# check_json NAME WANT_RC OPTIONS... TARGET: runs "$bin check --json" (60 s
# at most, scaled under valgrind) into $work/NAME.json, its standard error
# into $work/NAME.err; ok when it exits WANT_RC.
check_json() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout "$(slow 60)" "$bin" check --json "$@" >"$work/$name.json" 2>"$work/$name.err" || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$name: exit $rc, want $want: $(cat "$work/$name.err")"; fi
}

# expect NAME PYTHON-EXPRESSION...: each expression holds for the JSON object
# d of $work/NAME.json (a report of check --json or lint --json). Also
# defined: ids (finding ids, in order), sev (id -> its severities), seen
# (client -> sees STARTTLS), texts (every line's text), notes (the texts of
# the lines of dir "info"), ehlo (the lines of the first EHLO reply before
# TLS), tls_ehlo (those of the EHLO reply inside TLS). A failure names each
# expression that does not hold, or raised, and shows the file.
expect() {
	local name=$1
	shift
	if python3 - "$work/$name.json" "$@" <<'PY'; then ok; else bad "$name"; fi
import json, sys
raw = open(sys.argv[1], encoding="utf-8", errors="replace").read()
def show():
    print("  in %s: %s" % (sys.argv[1], raw if len(raw) <= 1500 else raw[:600] + " ... " + raw[-600:]))
try:
    d = json.loads(raw)
except ValueError as e:
    print("  not JSON:", e)
    show()
    sys.exit(1)
ids = [f["id"] for f in d["findings"]]
sev = {}
for f in d["findings"]:
    sev.setdefault(f["id"], []).append(f["severity"])
seen = {k: v["starttls"] for k, v in d["clients"].items()}
texts = [l["text"] for l in d["lines"]]
notes = [l["text"] for l in d["lines"] if l["dir"] == "info"]
def reply_after(command, tls):
    out, on = [], False
    for l in d["lines"]:
        if l["dir"] == "client":
            on = l["tls"] == tls and l["text"].upper().startswith(command)
        elif on and l["dir"] == "server":
            out.append(l)
    return out
ehlo = reply_after("EHLO", False)
tls_ehlo = reply_after("EHLO", True)
env = {"d": d, "ids": ids, "sev": sev, "seen": seen, "texts": texts, "notes": notes,
       "ehlo": ehlo, "tls_ehlo": tls_ehlo}
failed = []
for e in sys.argv[2:]:
    try:
        held = eval(e, env)
    except Exception as x:
        held = False
        print("  raised %r:" % x, e)
    if not held:
        failed.append(e)
for e in failed:
    print("  does not hold:", e)
if failed:
    show()
sys.exit(1 if failed else 0)
PY
}

# finish: the closing line the CI reads, and the exit status.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
