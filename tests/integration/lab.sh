#!/usr/bin/env bash
# Integration tests of "smtpscope lab": each built-in scenario served on
# loopback and read back by a small Python client (STARTTLS with Python's
# ssl module and with openssl s_client), the command log, signals, --list
# and the exit codes. Every server is started with --once under timeout and
# killed on exit, so none outlives the test.
#
# usage: lab.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
# shellcheck source=../tools/harness.sh
. "$src/tools/harness.sh"

# The client: python3 "$client" CHECK PORT [ARG [HOST]]; exits 0 when the check holds.
client=$src/tools/lab-client.py

# start NAME ARGS...: runs "smtpscope lab ARGS" in the background; sets
# lab_pid, and lab_port from its first line "listening on ADDR:PORT".
start() {
	local name=$1 line=""
	shift
	timeout -k 2 "$(slow 60)" "$bin" lab "$@" >"$work/$name.out" 2>"$work/$name.err" &
	lab_pid=$!
	pids+=("$lab_pid")
	for _ in $(seq $((100 * slowdown))); do
		line=$(head -n 1 "$work/$name.out" 2>/dev/null || true)
		[ -n "$line" ] && break
		kill -0 "$lab_pid" 2>/dev/null || break
		sleep 0.05
	done
	lab_line=$line
	lab_port=${line##*:}
	if [[ ! $line =~ ^listening\ on\ (127\.0\.0\.1|\[::1\]):[0-9]+$ ]]; then
		bad "$name: first line '$line'"
		cat "$work/$name.err"
		return 1
	fi
}

# wait_once NAME: the --once server must exit 0 by itself within 10 s.
wait_once() {
	local name=$1 rc=0
	for _ in $(seq 200); do
		kill -0 "$lab_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$lab_pid" 2>/dev/null; then
		kill "$lab_pid"
		bad "$name: the --once server did not exit"
	fi
	wait "$lab_pid" || rc=$?
	if [ "$rc" -eq 0 ]; then ok; else bad "$name: server exit $rc"; cat "$work/$name.err"; fi
}

# scenario CHECK SCENARIO [ARG]: serves SCENARIO once, runs the client's CHECK.
scenario() {
	local check=$1 name=$2
	if ! start "$name" --once --port 0 "$name"; then return; fi
	if python3 "$client" "$check" "$lab_port" "${3:-}"; then ok; else bad "$name"; fi
	wait_once "$name"
}

for name in misordered correct keyword-first no-starttls starttls-only mixed-codes bare-lf \
	long-line control-chars injection starttls-after-tls tls-454 slow ehlo-502 throttle-421; do
	scenario "$name" "$name"
done

# --list names every file in src/lab/scenarios, with its summary.
"$bin" lab --list >"$work/list" 2>&1 || bad "--list exit $?"
for f in "$src"/../src/lab/scenarios/*.scn; do
	name=$(basename "$f" .scn)
	summary=$(sed -n 's/^summary //p' "$f")
	if grep -qxF "$(printf '%-18s  %s' "$name" "$summary")" "$work/list"; then
		ok
	else
		bad "--list lacks $name"
	fi
done
nfiles=$(find "$src/../src/lab/scenarios" -name '*.scn' | wc -l)
if [ "$(wc -l <"$work/list")" -eq "$nfiles" ]; then
	ok
else
	bad "--list has $(wc -l <"$work/list") lines"
fi

# openssl s_client: STARTTLS with the generated certificate for --hostname.
for name in misordered correct; do
	if ! start "s_client-$name" --once --port 0 --hostname lab.test "$name"; then continue; fi
	# The generated certificate is not trusted: the handshake must succeed all the same.
	timeout "$(slow 20)" openssl s_client -starttls smtp -connect "127.0.0.1:$lab_port" \
		</dev/null >"$work/s_client" 2>&1 || true
	wait_once "s_client-$name"
	if grep -Eq "Cipher is TLS_|Protocol *: TLSv1" "$work/s_client" &&
		grep -q "subject=CN *= *lab.test" "$work/s_client"; then
		ok
	else
		bad "s_client $name: no TLS session"
		cat "$work/s_client"
	fi
done

# The command log: TLS flag, AUTH redacted, body and discarded bytes counted.
log=$work/commands.log
if start mail --once --port 0 --log "$log" correct; then
	if python3 "$client" mail "$lab_port"; then ok; else bad "mail session"; fi
	wait_once mail
	cat >"$work/log.want" <<'EOF'
plain EHLO client.example
plain AUTH PLAIN <redacted 20 bytes>
plain MAIL FROM:<a@client.example>
plain RCPT TO:<b@lab.invalid>
plain DATA
plain <message body, 47 bytes>
plain XYZZY ^[[31m
plain STARTTLS
plain <discarded after STARTTLS: 6 bytes>
tls EHLO client.example
tls QUIT
EOF
	if diff -u "$work/log.want" "$log"; then ok; else bad "--log lines"; fi
fi

# A client line far over the line buffer is clipped, and the session goes on.
if start long-command --once --port 0 --log "$work/long.log" misordered; then
	if python3 "$client" long-command "$lab_port"; then ok; else bad "long command"; fi
	wait_once long-command
	if grep -q '^plain EHLO a\{2043\} <clipped 2957 bytes>$' "$work/long.log"; then
		ok
	else
		bad "long command log: $(cut -c1-20,2040- "$work/long.log")"
	fi
fi

# SIGTERM ends a server, idle or in a session, with exit 0.
for state in idle session; do
	"$bin" lab --port 0 correct >"$work/term.out" 2>"$work/term.err" &
	term_pid=$!
	pids+=("$term_pid")
	for _ in $(seq $((100 * slowdown))); do
		[ -s "$work/term.out" ] && break
		sleep 0.05
	done
	port=$(head -n 1 "$work/term.out")
	port=${port##*:}
	client_pid=""
	if [ "$state" = session ]; then
		timeout "$(slow 20)" python3 "$client" idle "$port" >/dev/null 2>&1 &
		client_pid=$!
		pids+=("$client_pid")
		sleep 0.3
	fi
	kill -TERM "$term_pid"
	start_ms=$(date +%s%N)
	rc=0
	wait "$term_pid" || rc=$?
	took=$((($(date +%s%N) - start_ms) / 1000000))
	if [ "$rc" -eq 0 ] && [ "$took" -lt 1000 ]; then
		ok
	else
		bad "SIGTERM ($state): exit $rc after $took ms"
	fi
	if [ -n "$client_pid" ]; then
		kill "$client_pid" 2>/dev/null || true
	fi
done

# A file scenario; a syntax error is 65 with file:line.
cat >"$work/mine.scn" <<'EOF'
summary A scenario from a file
greeting
	send 220 from-a-file.example \x41BC
EOF
if start file --once --port 0 "$work/mine.scn"; then
	if python3 "$client" greeting "$lab_port" "220 from-a-file.example ABC"; then
		ok
	else
		bad "file scenario"
	fi
	wait_once file
fi
printf 'summary broken\ngreeting\n\tsend 220 x\\q\n' >"$work/bad.scn"
rc=0
"$bin" lab --once --port 0 "$work/bad.scn" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
if [ "$rc" -eq 65 ] && grep -qF "$work/bad.scn:3: unknown escape \\q" "$work/bad.err"; then
	ok
else
	bad "bad scenario: exit $rc: $(cat "$work/bad.err")"
fi

# lab_rc WANT WHAT ARGS...: exit status of smtpscope lab ARGS (expect_rc of harness.sh).
lab_rc() {
	local want=$1 what=$2
	shift 2
	expect_rc "$want" "$what" timeout "$(slow 10)" "$bin" lab "$@"
}
lab_rc 66 "missing scenario file" "$work/none.scn"
lab_rc 66 "unknown scenario name" no-such-scenario
lab_rc 64 "no scenario" --port 0
lab_rc 64 "bad port" --port 65536 correct
# A port is at most 5 digits (net_port_parse), as for check and targets.
lab_rc 64 "--port of 6 digits" --port 000025 correct
lab_rc 64 "--port with a sign" --port +25 correct
lab_rc 64 "unknown option" --bogus correct
lab_rc 64 "--max-clients 0" --max-clients 0 correct
lab_rc 64 "--max-clients over 4096" --max-clients 4097 correct
lab_rc 64 "--session-timeout not a number" --session-timeout 3s correct
lab_rc 64 "--idle-timeout 0" --idle-timeout 0 correct
lab_rc 64 "listen on a name" --listen localhost correct
lab_rc 64 "--key without --cert" --key "$work/x" correct
lab_rc 66 "unreadable certificate" --cert "$work/none.pem" correct
lab_rc 65 "certificate not PEM" --cert "$work/mine.scn" correct
lab_rc 73 "log in a missing directory" --log "$work/no/dir/log" correct
lab_rc 0 "--help" --help
if start busy --once --port 0 correct; then
	lab_rc 69 "port in use" --once --port "$lab_port" correct
	python3 "$client" greeting "$lab_port" "220 " || bad "busy"
	wait_once busy
fi

# IPv6 loopback, when the host has it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	if start ipv6 --once --listen ::1 --port 0 correct; then
		if [[ $lab_line == "listening on [::1]:"* ]] &&
			python3 "$client" greeting "$lab_port" "220 mail-esa.com" ::1; then
			ok
		else
			bad "IPv6: $lab_line"
		fi
		wait_once ipv6
	fi
fi

# Many clients at once, stalled clients, the session deadline and the
# connection cap: clients from tests/tools/lab-crowd.py against one server.
crowd=$src/tools/lab-crowd.py

# stop_lab NAME: SIGTERM ends the server, clients still connected, with exit
# 0 within 1 s (10 s under valgrind). The signal goes to the server itself,
# not to the timeout around it, which would pass it on twice (to the child,
# then to its process group), and a second signal ends the lab at once.
stop_lab() {
	local name=$1 rc=0 start_ms took child
	child=$(ps -o pid= --ppid "$lab_pid" | head -n 1 | tr -d ' ')
	kill -TERM "${child:-$lab_pid}"
	start_ms=$(date +%s%N)
	wait "$lab_pid" || rc=$?
	took=$((($(date +%s%N) - start_ms) / 1000000))
	if [ "$rc" -eq 0 ] && [ "$took" -lt $((1000 * slowdown)) ]; then
		ok
	else
		bad "$name: exit $rc, $took ms after SIGTERM"
		cat "$work/$name.err"
	fi
}

# crowd_run NAME MODE ARGS...: runs the crowd client; ok when its check holds.
crowd_run() {
	local name=$1
	shift
	if python3 "$crowd" "$@" >"$work/$name.res" 2>&1; then
		ok
	else
		bad "$name: $(cat "$work/$name.res")"
	fi
}

# 200 clients at once: every one is greeted before any has sent a byte, then
# each completes EHLO and QUIT; the command log keeps whole lines.
if start crowd --port 0 --log "$work/crowd.log" correct; then
	crowd_run crowd crowd "$lab_port" 200 "$(slow 5)"
	echo "lab: 200 clients: $(head -n 1 "$work/crowd.res")"
	stop_lab crowd
	lines=$(grep -cxE 'plain (EHLO crowd\.example|QUIT)' "$work/crowd.log" || true)
	if [ "$lines" -eq 400 ] && [ "$(wc -l <"$work/crowd.log")" -eq 400 ]; then
		ok
	else
		bad "crowd log: $lines whole lines of $(wc -l <"$work/crowd.log")"
	fi
fi

# A client that never reads nor sends, and one that never reads a 12 MB
# reply, do not delay 30 other clients.
cat >"$work/big-noop.scn" <<'EOF'
summary NOOP answered with 12 MB
greeting
	send 220 big-noop.example
on NOOP
	repeat 200000 send 250-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX
	send 250 ok
EOF
if start stalled --port 0 "$work/big-noop.scn"; then
	python3 "$crowd" idle "$lab_port" "$(slow 20)" >"$work/idle.res" 2>&1 &
	pids+=($!)
	python3 "$crowd" stuck "$lab_port" "$(slow 20)" >"$work/stuck.res" 2>&1 &
	pids+=($!)
	for _ in $(seq $((100 * slowdown))); do
		[ -s "$work/idle.res" ] && [ -s "$work/stuck.res" ] && break
		sleep 0.05
	done
	sleep 0.5
	crowd_run stalled sessions "$lab_port" 30 "$(slow 3)"
	echo "lab: 30 clients beside two stalled ones: $(head -n 1 "$work/stalled.res")"
	stop_lab stalled
fi

# A client that sends one byte a second is cut at the 3 s session deadline
# (the idle timeout, 10 s, never comes), and the others are served meanwhile;
# so is a client that sends without a pause.
if start dribble --port 0 --session-timeout 3 --idle-timeout 10 correct; then
	python3 "$crowd" dribble "$lab_port" 1 "$(slow 5)" >"$work/dribble.res" 2>&1 &
	dribble_pid=$!
	pids+=("$dribble_pid")
	sleep 1.5
	crowd_run dribble-others sessions "$lab_port" 5 "$(slow 2)"
	rc=0
	wait "$dribble_pid" || rc=$?
	took=$(sed -n 's/^closed after \([0-9.]*\) s.*/\1/p' "$work/dribble.res")
	echo "lab: a client dribbling a byte a second: $(cat "$work/dribble.res")"
	if [ "$rc" -eq 0 ] && { under_valgrind ||
		awk -v t="${took:-0}" 'BEGIN { exit !(t >= 2.7 && t <= 3.3) }'; }; then
		ok
	else
		bad "dribble: $(cat "$work/dribble.res"), want a close at 3 s +-10%"
	fi
	crowd_run dribble-after sessions "$lab_port" 5 "$(slow 2)"
	# A client that never pauses, one endless line, meets the same deadline.
	crowd_run flood flood "$lab_port" "$(slow 5)"
	took=$(sed -n 's/^closed after \([0-9.]*\) s.*/\1/p' "$work/flood.res")
	echo "lab: a client sending an endless line at full speed: $(cat "$work/flood.res")"
	if under_valgrind || awk -v t="${took:-0}" 'BEGIN { exit !(t >= 2.7 && t <= 3.3) }'; then
		ok
	else
		bad "flood: $(cat "$work/flood.res"), want a close at 3 s +-10%"
	fi
	stop_lab dribble
fi

# With --max-clients 2 and two clients connected, a third gets the 421 and a
# close; once one leaves, its place serves a new client.
if start full --port 0 --max-clients 2 correct; then
	hold_pids=()
	for i in 1 2; do
		python3 "$crowd" hold "$lab_port" "$(slow 20)" >"$work/hold.$i" 2>&1 &
		hold_pids+=($!)
		pids+=($!)
	done
	for _ in $(seq $((100 * slowdown))); do
		grep -qx greeted "$work/hold.1" && grep -qx greeted "$work/hold.2" && break
		sleep 0.05
	done
	crowd_run full-421 full "$lab_port"
	kill "${hold_pids[0]}"
	sleep "$(slow 1)"
	crowd_run full-freed sessions "$lab_port" 1 "$(slow 2)"
	stop_lab full
fi

finish
