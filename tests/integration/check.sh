#!/usr/bin/env bash
# Integration tests of "smtpscope check": real sessions over loopback
# against the lab server's built-in scenarios, with asserted findings, exit
# codes, TLS facts and transcripts. Every server is started with --once and
# killed on exit; nothing leaves 127.0.0.1.
#
# usage: check.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
# shellcheck source=../tools/harness.sh
. "$2/tools/harness.sh"

# lab SCENARIO [OPTIONS...]: starts a one-connection lab server; sets $port.
lab() {
	local scenario=$1
	shift
	listen "lab.$RANDOM" "$bin" lab --once --port 0 "$@" "$scenario"
}

# check NAME WANT_RC [OPTIONS...] TARGET: check --json into $work/NAME.json
# (check_json of harness.sh); expect NAME judges it.
check() {
	local name=$1 want=$2
	shift 2
	check_json "$name" "$want" --timeout "$(slow 5)" "$@"
}

lab misordered
check misordered 1 "127.0.0.1:$port"
expect misordered '"starttls-before-greeting" in ids' '"invalid-ehlo-keyword" in ids' \
	'"tls-unverified" in ids' 'd["tls"]["established"]' 'd["tls"]["version"] == "TLSv1.3"' \
	'not d["tls"]["verified"]' '"no host name" in d["tls"]["verify_error"]' \
	'not seen["postfix"] and not seen["cisco-esa"] and seen["curl"] and seen["swaks"]' \
	'd["outcome"]["completed"]' 'd["lines"][-1]["text"].startswith("221")' \
	'any(l["tls"] and l["role"] == "greeting" for l in d["lines"])'

lab misordered
check misordered-strict 1 --starttls strict "127.0.0.1:$port"
expect misordered-strict 'not d["tls"]["established"]' \
	'not any(l["text"] == "STARTTLS" for l in d["lines"])' \
	'any("not where Postfix sees it" in l["text"] for l in d["lines"])'

lab correct
check correct 0 "127.0.0.1:$port"
expect correct 'd["summary"]["errors"] == 0' 'all(seen.values())' 'd["tls"]["established"]' \
	'd["tls"]["chain"][0]["key_type"] == "EC"' 'len(d["tls"]["chain"][0]["sha256"]) == 95'

lab correct
check correct-tls-verify 1 --tls-verify "127.0.0.1:$port"
expect correct-tls-verify '[f["severity"] for f in d["findings"] if f["id"] == "tls-unverified"] == ["error"]'

# A certificate for "localhost" made here and given to the lab; verified only by that name.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" \
	>/dev/null 2>&1
lab correct --cert "$work/cert.pem" --key "$work/key.pem"
check verified 0 --ca-file "$work/cert.pem" --tls-verify "localhost:$port"
expect verified 'd["tls"]["verified"]' 'd["tls"]["verify_error"] is None' \
	'"tls-unverified" not in ids'
lab correct --cert "$work/cert.pem" --key "$work/key.pem"
check wrong-name 0 --ca-file "$work/cert.pem" --sni mx.example.org "localhost:$port"
expect wrong-name 'd["tls"]["verified"]'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=mx.test \
	-addext subjectAltName=DNS:mx.test -keyout "$work/key2.pem" -out "$work/cert2.pem" \
	>/dev/null 2>&1
lab correct --cert "$work/cert2.pem" --key "$work/key2.pem"
check mismatch 1 --ca-file "$work/cert2.pem" --tls-verify "localhost:$port"
expect mismatch 'not d["tls"]["verified"]' '"localhost" in d["tls"]["verify_error"]'

# A chain of 41 certificates: the leaf and 40 more, all sent by the lab; the report describes 8
# and counts the rest.
cp "$work/cert.pem" "$work/chain41.pem"
for i in $(seq 1 40); do
	openssl req -x509 -new -key "$work/key.pem" -nodes -days 2 -subj "/CN=extra $i" \
		>>"$work/chain41.pem" 2>/dev/null
done
lab correct --cert "$work/chain41.pem" --key "$work/key.pem"
check chain41 0 "127.0.0.1:$port"
expect chain41 'len(d["tls"]["chain"]) == 8' 'd["tls"]["chain_total"] == 41' \
	'd["tls"]["chain"][1]["subject"] == "CN=extra 1"'
lab correct --cert "$work/chain41.pem" --key "$work/key.pem"
timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" "127.0.0.1:$port" >"$work/chain41.txt" 2>&1
if grep -A1 "^  7 subject  CN=extra 7" "$work/chain41.txt" >/dev/null &&
	[ "$(grep -c "^  [0-9] subject  " "$work/chain41.txt")" -eq 8 ] &&
	grep -B1 -x "  \.\.\. 33 more certificates not shown" "$work/chain41.txt" | grep -q "^    sha256   "; then
	ok
else
	bad "chain41: the text report does not count the 33 certificates not shown: $(sed -n '/^TLS:/,$p' "$work/chain41.txt")"
fi
lab correct
check chain1 0 "127.0.0.1:$port"
expect chain1 'len(d["tls"]["chain"]) == 1' 'd["tls"]["chain_total"] == 1'

lab no-starttls
check no-starttls 0 "127.0.0.1:$port"
# s-nail and openssl s_client send STARTTLS after any reply (docs/clients.md);
# the others go on without TLS, or stop as tested (msmtp with tls on).
expect no-starttls '"no-starttls" in ids' 'not d["tls"]["established"]' \
	'not any(v for k, v in seen.items() if k not in ("s-nail", "openssl-s_client"))' \
	'seen["s-nail"] and seen["openssl-s_client"]' \
	'd["clients"]["postfix"]["outcome"] == "plaintext"' \
	'd["clients"]["msmtp"]["outcome"] == "abort"' \
	'd["clients"]["openssl-s_client"]["line"] is None'

lab starttls-only
check starttls-only 1 "127.0.0.1:$port"
expect starttls-only '"starttls-before-greeting" in ids' 'd["tls"]["established"]'

lab keyword-first
check keyword-first 1 "127.0.0.1:$port"
expect keyword-first '"keyword-before-greeting" in ids'

lab mixed-codes
check mixed-codes 1 "127.0.0.1:$port"
expect mixed-codes '"mixed-reply-codes" in ids'

lab bare-lf
check bare-lf 0 "127.0.0.1:$port"
expect bare-lf '"bare-lf" in ids'

lab long-line
check long-line 0 "127.0.0.1:$port"
expect long-line '"line-too-long" in ids' 'd["tls"]["established"]' \
	'd["ehlo_lines"]["total"] > d["ehlo_lines"]["judged"]'

lab control-chars
check control-chars 0 "127.0.0.1:$port"
expect control-chars '"control-characters" in ids'
lab control-chars
"$bin" check --timeout "$(slow 5)" --color=always "127.0.0.1:$port" >"$work/control.txt" 2>&1
if python3 - "$work/control.txt" <<'PY'; then ok; else bad "a raw control byte reached the text output"; fi
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
text = re.sub("\x1b\\[[0-9;]*m", "", text)
sys.exit(1 if re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text) else 0)
PY

lab injection
check injection 1 "127.0.0.1:$port"
expect injection '"starttls-response-injection" in ids' 'd["tls"]["established"]' \
	'any("discarded" in l["text"] for l in d["lines"])' \
	'not any("injected" in l["text"] for l in d["lines"] if l["tls"])'

lab starttls-after-tls
check starttls-after-tls 1 "127.0.0.1:$port"
expect starttls-after-tls '"starttls-after-tls" in ids'

lab tls-454
check tls-454 0 "127.0.0.1:$port"
expect tls-454 '"starttls-rejected" in ids' 'not d["tls"]["established"]' \
	'd["outcome"]["completed"]'

lab ehlo-502
check ehlo-502 0 "127.0.0.1:$port"
expect ehlo-502 '"ehlo-not-accepted" in ids' 'any(l["text"].startswith("HELO") for l in d["lines"])'

lab throttle-421
check throttle-421 2 "127.0.0.1:$port"
expect throttle-421 'not d["outcome"]["completed"]' '"421" in d["outcome"]["error"]'

# A peer that dribbles is cut off by --timeout, on time.
lab slow
start=$(date +%s%N)
check slow 2 --timeout 1 "127.0.0.1:$port"
elapsed=$((($(date +%s%N) - start) / 1000000))
if [ "$elapsed" -ge 900 ] && [ "$elapsed" -lt $((3000 * slowdown)) ]; then ok; else bad "slow: took $elapsed ms"; fi
if grep -q "timed out after 1 s" "$work/slow.err"; then ok; else bad "slow: $(cat "$work/slow.err")"; fi

# A whole transaction through DATA, dot-stuffed, as the lab's log shows.
printf 'Subject: test\r\n\r\n.a line that starts with a dot\r\nbye\r\n' >"$work/message"
lab correct --log "$work/lab.log"
check transaction 0 --from a@example.com --to b@example.org --to c@example.org \
	--data "$work/message" "127.0.0.1:$port"
expect transaction 'any(l["text"] == "..a line that starts with a dot" for l in d["lines"])' \
	'[l["text"] for l in d["lines"] if l["dir"] == "client"][-3:] == ["bye", ".", "QUIT"]' \
	'd["outcome"]["completed"]'
sleep 0.2
if grep -q "^tls RCPT TO:<c@example.org>" "$work/lab.log" && grep -q "^tls DATA" "$work/lab.log"; then
	ok
else
	bad "the lab did not log the transaction inside TLS: $(cat "$work/lab.log")"
fi

# IPv6 on loopback, when the machine has ::1.
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	out="$work/lab6"
	: >"$out"
	"$bin" lab --once --port 0 --listen ::1 correct >"$out" 2>&1 &
	pids+=($!)
	port6=""
	# 5 s, or more under valgrind, as listen() of harness.sh waits.
	for _ in $(seq 1 $((100 * slowdown))); do
		port6=$(sed -n 's/^listening on \[::1\]:\([0-9]*\)$/\1/p' "$out")
		[ -n "$port6" ] && break
		sleep 0.05
	done
	check ipv6 0 -6 "[::1]:$port6"
	expect ipv6 'd["address"].startswith("[::1]:")' 'd["tls"]["established"]'
else
	echo "SKIPPED: ipv6 (::1 cannot be bound here)"
fi

# Hostile endings: plain text instead of TLS, a close inside a reply.
lab "$2/data/lab/not-tls.scn"
check not-tls 2 "127.0.0.1:$port"
expect not-tls '"tls-handshake-failed" in ids' 'not d["tls"]["established"]' \
	'any(l["text"].startswith("TLS handshake failed: ") and len(l["text"]) > 30 for l in d["lines"])'
if grep -q "TLS handshake failed" "$work/not-tls.err"; then ok; else bad "not-tls: $(cat "$work/not-tls.err")"; fi
lab "$2/data/lab/reset-mid-reply.scn"
check reset-mid-reply 2 "127.0.0.1:$port"
expect reset-mid-reply '"truncated-reply" in ids' '[l for l in d["lines"] if l["dir"] == "server"][-1]["text"] == "250-PIPELINING"' \
	'd["lines"][-1]["text"] == d["outcome"]["error"]' \
	'"closed the connection" in d["outcome"]["error"]'

# A server that offers only TLS 1.0 (or 1.1): OpenSSL's security level refuses it, and the
# words say so and what to do; with --tls-legacy the session completes on that version.
for v in 1.0 1.1; do
	lab correct --tls-max "$v"
	check "legacy-$v" 2 "127.0.0.1:$port"
	want="smtpscope check: could not complete: the TLS handshake failed: the server offers only TLS $v, which OpenSSL's security level refuses; --tls-legacy allows it"
	if grep -qxF "$want" "$work/legacy-$v.err"; then ok; else bad "legacy-$v: $(cat "$work/legacy-$v.err")"; fi
	expect "legacy-$v" 'not d["tls"]["established"]' '"tls-handshake-failed" in ids' \
		'"--tls-legacy allows it" in d["outcome"]["error"]'
	lab correct --tls-max "$v"
	check "legacy-$v-allowed" 0 --tls-legacy "127.0.0.1:$port"
	name=TLSv1
	[ "$v" = 1.1 ] && name=TLSv1.1
	expect "legacy-$v-allowed" 'd["tls"]["established"]' "d[\"tls\"][\"version\"] == \"$name\"" \
		'd["outcome"]["completed"]'
done
lab correct --tls-max 1.0
timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" --tls-legacy "127.0.0.1:$port" >"$work/legacy.txt" 2>&1
if grep -q "^TLS: TLSv1 " "$work/legacy.txt" && grep -q "^Outcome: the session completed" "$work/legacy.txt"; then
	ok
else
	bad "legacy text report: $(sed -n '/^TLS:/,$p' "$work/legacy.txt")"
fi
# A modern server is reached with --tls-legacy as without it.
lab correct
check legacy-modern 0 --tls-legacy "127.0.0.1:$port"
expect legacy-modern 'd["tls"]["version"] == "TLSv1.3"'
"$bin" lab --tls-max 0.9 correct >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 64 ]; then ok; else bad "lab --tls-max 0.9: exit $rc, want 64"; fi

# Nobody listening: exit 2 with the reason.
lab correct
kill "${pids[-1]}" 2>/dev/null
wait "${pids[-1]}" 2>/dev/null
check refused 2 "127.0.0.1:$port"
if grep -q "could not connect" "$work/refused.err"; then ok; else bad "refused: $(cat "$work/refused.err")"; fi

# Transcripts: written line by line, read back by lint, never overwritten silently.
lab misordered
check transcript 1 --transcript "$work/t.txt" --transcript-json "$work/t.jsonl" "127.0.0.1:$port"
if head -1 "$work/t.txt" | grep -qx "# smtpscope transcript 1"; then ok; else bad "transcript header"; fi
"$bin" lint --json "$work/t.txt" >"$work/relint.json"
if python3 - "$work/relint.json" "$work/transcript.json" <<'PY'; then ok; else bad "lint of the transcript differs"; fi
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
ids = lambda d: sorted(f["id"] for f in d["findings"] if not f["id"].startswith("tls-"))
same_clients = {k: v["starttls"] for k, v in a["clients"].items()} == \
    {k: v["starttls"] for k, v in b["clients"].items()}
sys.exit(0 if a["format"] == "transcript" and ids(a) == ids(b) and same_clients else 1)
PY
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/t.jsonl"; then
	ok
else
	bad "the JSON Lines transcript is not JSON Lines"
fi
lab misordered
check no-overwrite 73 --transcript "$work/t.txt" "127.0.0.1:$port"
kill "${pids[-1]}" 2>/dev/null

# The demo: the lab server in the same process, check against it.
timeout "$(slow 60)" "$bin" demo --batch --json >"$work/demo.json" 2>"$work/demo.err"
rc=$?
if [ "$rc" -eq 1 ]; then ok; else bad "demo: exit $rc: $(cat "$work/demo.err")"; fi
expect demo '"starttls-before-greeting" in ids' 'd["tls"]["established"]' 'not seen["postfix"]'
timeout "$(slow 60)" "$bin" demo --batch --json correct >"$work/demo-correct.json" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "demo correct: exit $rc"; fi
expect demo-correct 'all(seen.values())'
timeout "$(slow 60)" "$bin" demo --batch no-such-scenario >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 66 ]; then ok; else bad "demo with an unknown scenario: exit $rc"; fi

# Usage errors.
check usage-none 64
check usage-two 64 --mx example.org 127.0.0.1
check usage-data 64 --data /etc/hostname 127.0.0.1
check usage-quit 64 --quit-after lunch 127.0.0.1

# Issue 10: values that passed the checks. Each is a usage error (64) with the reason, before
# anything is resolved or connected, for check and the inspector alike.
# usage ARGS... -- TEXT: smtpscope ARGS exits 64 and says TEXT on stderr.
usage() {
	local args=() rc
	while [ "$1" != "--" ]; do args+=("$1"); shift; done
	timeout 10 "$bin" "${args[@]}" </dev/null >"$work/usage.out" 2>"$work/usage.err"
	rc=$?
	if [ "$rc" -eq 64 ] && grep -qF -- "$2" "$work/usage.err"; then
		ok
	else
		bad "smtpscope ${args[*]}: exit $rc, want 64 and '$2': $(cat "$work/usage.err")"
	fi
}
for cmd in check ""; do
	for v in nan NaN inf -inf 0.0001 0 -1 3601 1e9 "" 3s; do
		usage $cmd --timeout "$v" 127.0.0.1:1 -- "--timeout takes seconds, from 0.001 to 3600"
	done
	usage $cmd ::1:3115 -- '"::1:3115" is ambiguous: write [::1]:3115 for port 3115 of ::1, or [::1:3115] for the address'
	usage $cmd 127.0.0.1:70000 -- "port 70000 is outside 1-65535"
	usage $cmd 127.0.0.1:99999 -- "port 99999 is outside 1-65535"
	usage $cmd --port 70000 127.0.0.1 -- "--port takes a number from 1 to 65535"
	usage $cmd "[::1" -- "unterminated '['"
done
# Issue 11: a usage error names the command typed, and a mistyped command is
# not taken for a host.
usage --tiemout 3 host -- "smtpscope: unknown option, or an option without its value: --tiemout"
usage --tiemout 3 host -- "Try 'smtpscope --help'."
usage check --tiemout 3 host -- "smtpscope check: unknown option"
usage lnt file -- "smtpscope: unknown command 'lnt'; did you mean lint?"
usage chek 127.0.0.1 -- "did you mean check?"
usage replya t.txt -- "did you mean replay?"
# The smallest timeout is a millisecond, not zero: a connection nobody accepts fails in words.
"$bin" check --timeout 0.001 127.0.0.1:1 >/dev/null 2>"$work/ms.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "could not complete: could not connect" "$work/ms.err"; then ok; else bad "--timeout 0.001: exit $rc: $(cat "$work/ms.err")"; fi

# ---- Output errors: every command that writes a report, a listing or its
# --help to standard output says why it cannot, on standard error, and exits
# 74 (issue 10).
# full PREFIX COMMAND...: COMMAND >/dev/full exits 74 with "PREFIX: cannot
# write to standard output: No space left on device" as its last word.
full() {
	local prefix=$1 rc
	shift
	timeout "$(slow 60)" "$@" >/dev/full 2>"$work/full.err" </dev/null
	rc=$?
	if [ "$rc" -eq 74 ] &&
		[ "$(tail -n 1 "$work/full.err")" = "$prefix: cannot write to standard output: No space left on device" ]; then
		ok
	else
		bad "$* >/dev/full: exit $rc, want 74 and the sentence: $(cat "$work/full.err")"
	fi
}
full smtpscope "$bin" --help
full smtpscope "$bin" --version
full smtpscope "$bin" 127.0.0.1 --help
for cmd in lint check demo lab replay; do
	full "smtpscope $cmd" "$bin" "$cmd" --help
done
full "smtpscope lab" "$bin" lab --list
full "smtpscope lint" "$bin" lint "$2/data/lint/field-note-misordered.in"
lab correct
full "smtpscope check" "$bin" check --timeout "$(slow 5)" "127.0.0.1:$port"
full "smtpscope check" "$bin" demo --batch

finish
