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
# shellcheck source=../tools/slow.sh
. "$2/tools/slow.sh"
src=$(realpath "$2")
work=$(mktemp -d "${3:-${TMPDIR:-/tmp}}/lab-test.XXXXXX")
pids=()
pass=0
fail=0

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# The client: python3 client.py CHECK PORT [ARG]; exits 0 when the check holds.
cat >"$work/client.py" <<'PY'
import socket, ssl, sys, time

class Client:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def line(self):
        while b"\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def reply(self):
        out = b""
        while True:
            line = self.line()
            out += line
            if len(line) < 4 or line[3:4] != b"-":
                return out

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()

    def rest(self):
        try:
            while True:
                self.fill()
        except EOFError:
            pass
        data, self.buf = self.buf, b""
        return data

    def starttls(self, hostname=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        assert self.buf == b"", "bytes after the 220: %r" % self.buf
        self.sock = ctx.wrap_socket(self.sock, server_hostname=hostname or "localhost")
        return self.sock

def expect(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))

def expect_in(what, needle, got):
    if needle not in got:
        raise AssertionError("%s: %r not in %r" % (what, needle, got[:300]))

MISORDERED = (b"250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
              b"250-HELP\r\n250-DELIVERBY 300\r\n250 SIZE 30000000\r\n")
MISORDERED_TLS = MISORDERED[len(b"250-STARTTLS\r\n"):]
CORRECT = b"250-mail-esa.com\r\n250-8BITMIME\r\n250-SIZE 33554432\r\n250 STARTTLS\r\n"
CORRECT_TLS = b"250-mail-esa.com\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n"

def field_note(c, greeting, plain, tls):
    expect("greeting", c.reply(), greeting)
    expect("EHLO reply", c.cmd("EHLO client.example"), plain)
    expect("STARTTLS reply", c.cmd("STARTTLS"), b"220 Ready to start TLS\r\n")
    c.starttls()
    expect("EHLO reply inside TLS", c.cmd("EHLO client.example"), tls)
    expect("QUIT", c.cmd("QUIT")[:4], b"221 ")

def check_misordered(c, arg):
    field_note(c, b"220 mail.domain1.com ESMTP Service ready\r\n", MISORDERED, MISORDERED_TLS)

def check_correct(c, arg):
    field_note(c, b"220 mail-esa.com ESMTTP\r\n", CORRECT, CORRECT_TLS)

def check_keyword_first(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    expect("line 1", r.split(b"\n")[0], b"250-PIPELINING\r")
    expect_in("EHLO reply", b"250 STARTTLS\r\n", r)

def check_no_starttls(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    if b"STARTTLS" in r:
        raise AssertionError("STARTTLS offered: %r" % r)
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"502 ")

def check_starttls_only(c, arg):
    c.reply()
    expect("EHLO reply", c.cmd("EHLO client.example"), b"250 STARTTLS\r\n")
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"220 ")
    c.starttls()
    expect_in("EHLO reply inside TLS", b"250-mx.starttls-only.example\r\n",
              c.cmd("EHLO client.example"))

def check_mixed_codes(c, arg):
    c.reply()
    r = c.cmd("EHLO client.example")
    expect_in("EHLO reply", b"250-8BITMIME\r\n252-STARTTLS\r\n250 SIZE 10240000\r\n", r)

def check_bare_lf(c, arg):
    expect("greeting", c.reply(), b"220 mx.bare-lf.example ESMTP\n")
    expect("EHLO reply", c.cmd("EHLO client.example"),
           b"250-mx.bare-lf.example\n250-8BITMIME\n250 STARTTLS\n")
    expect("NOOP (a default)", c.cmd("NOOP"), b"250 2.0.0 Ok\n")

def check_long_line(c, arg):
    c.reply()
    lines = c.cmd("EHLO client.example").split(b"\r\n")
    expect("lines", len(lines), 10004)
    expect("filler", lines[5000], b"250-X-FILLER")
    expect("long line length", len(lines[10001]), 100000)
    expect("long line start", lines[10001][:12], b"250-X-LONG x")
    expect("last line", lines[10002], b"250 STARTTLS")

def check_control_chars(c, arg):
    expect_in("greeting", b"\x1b[2J\x1b[31m", c.reply())
    r = c.cmd("EHLO client.example")
    for needle in (b"\x1b]0;", b"\x1b]52;c;", b"\x1bP", b"\x1b\\", b"\x9b31m", b"\x9d",
                   b"a\x00b", b"a\x7fb"):
        expect_in("EHLO reply", needle, r)

def check_injection(c, arg):
    c.reply()
    c.cmd("EHLO client.example")
    c.sock.sendall(b"STARTTLS\r\n")
    want = b"220 Ready to start TLS\r\n250 injected\r\n"
    deadline = time.time() + 5
    while len(c.buf) < len(want) and time.time() < deadline:
        c.fill()
    expect("bytes after STARTTLS", c.buf[:len(want)], want)

def check_starttls_after_tls(c, arg):
    c.reply()
    c.cmd("EHLO client.example")
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"220 ")
    c.starttls()
    expect_in("EHLO reply inside TLS", b"250 STARTTLS\r\n", c.cmd("EHLO client.example"))
    expect("second STARTTLS", c.cmd("STARTTLS")[:4], b"503 ")

def check_tls_454(c, arg):
    c.reply()
    expect_in("EHLO reply", b"STARTTLS", c.cmd("EHLO client.example"))
    expect("STARTTLS", c.cmd("STARTTLS")[:4], b"454 ")

def check_slow(c, arg):
    start = time.time()
    expect("greeting", c.reply(), b"220 slow\r\n")
    took = time.time() - start
    if took < 1.8:
        raise AssertionError("greeting took %.2f s, want at least 1.8 s" % took)
    start = time.time()
    c.cmd("EHLO client.example")
    took = time.time() - start
    if took < 0.45:
        raise AssertionError("EHLO reply took %.2f s, want at least 0.45 s" % took)

def check_ehlo_502(c, arg):
    c.reply()
    expect("EHLO", c.cmd("EHLO client.example")[:4], b"502 ")
    expect("HELO", c.cmd("HELO client.example"), b"250 mx.ehlo-502.example\r\n")

def check_throttle_421(c, arg):
    expect("greeting", c.reply()[:4], b"421 ")
    expect("after the 421", c.rest(), b"")

def check_mail(c, arg):
    """A whole message with the defaults, AUTH redacted, STARTTLS with pipelining."""
    c.reply()
    c.cmd("EHLO client.example")
    expect("AUTH", c.cmd("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=")[:4], b"502 ")
    expect("MAIL", c.cmd("MAIL FROM:<a@client.example>")[:4], b"250 ")
    expect("RCPT", c.cmd("RCPT TO:<b@lab.invalid>")[:4], b"250 ")
    expect("DATA", c.cmd("DATA")[:4], b"354 ")
    # ".\r\n" after a bare LF does not end the body: only CRLF.CRLF does.
    c.sock.sendall(b"Subject: t\r\n\r\nQUIT\r\n.x\r\nEHLO inside\n.\n.\r\nlast\r\n.\r\n")
    expect("end of data", c.reply()[:4], b"250 ")
    expect("unknown", c.cmd("XYZZY \x1b[31m")[:4], b"500 ")
    c.sock.sendall(b"STARTTLS\r\nNOOP\r\n")
    expect("STARTTLS", c.reply()[:4], b"220 ")
    c.starttls()
    c.cmd("EHLO client.example")
    expect("QUIT", c.cmd("QUIT")[:4], b"221 ")
    expect("after QUIT", c.rest(), b"")

def check_long_command(c, arg):
    c.reply()
    expect("long EHLO", c.cmd("EHLO " + "a" * 5000)[:4], b"250-")
    expect("NOOP after", c.cmd("NOOP")[:4], b"250 ")

def check_greeting(c, arg):
    expect_in("greeting", arg.encode(), c.reply())

def check_idle(c, arg):
    c.reply()
    time.sleep(60)

check = globals()["check_" + sys.argv[1].replace("-", "_")]
c = Client(int(sys.argv[2]), sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1")
try:
    check(c, sys.argv[3] if len(sys.argv) > 3 else "")
except (AssertionError, EOFError, OSError) as e:
    print("%s: %s" % (sys.argv[1], e))
    sys.exit(1)
PY

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

# finish NAME: the --once server must exit 0 by itself within 10 s.
finish() {
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
	if python3 "$work/client.py" "$check" "$lab_port" "${3:-}"; then ok; else bad "$name"; fi
	finish "$name"
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
	finish "s_client-$name"
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
	if python3 "$work/client.py" mail "$lab_port"; then ok; else bad "mail session"; fi
	finish mail
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
	if python3 "$work/client.py" long-command "$lab_port"; then ok; else bad "long command"; fi
	finish long-command
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
		timeout "$(slow 20)" python3 "$work/client.py" idle "$port" >/dev/null 2>&1 &
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
	if python3 "$work/client.py" greeting "$lab_port" "220 from-a-file.example ABC"; then
		ok
	else
		bad "file scenario"
	fi
	finish file
fi
printf 'summary broken\ngreeting\n\tsend 220 x\\q\n' >"$work/bad.scn"
rc=0
"$bin" lab --once --port 0 "$work/bad.scn" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
if [ "$rc" -eq 65 ] && grep -qF "$work/bad.scn:3: unknown escape \\q" "$work/bad.err"; then
	ok
else
	bad "bad scenario: exit $rc: $(cat "$work/bad.err")"
fi

# expect_rc WANT WHAT ARGS...: exit status of smtpscope lab ARGS.
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	timeout "$(slow 10)" "$bin" lab "$@" >"$work/rc.out" 2>"$work/rc.err" </dev/null || rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$what: exit $rc, want $want"; fi
}
expect_rc 66 "missing scenario file" "$work/none.scn"
expect_rc 66 "unknown scenario name" no-such-scenario
expect_rc 64 "no scenario" --port 0
expect_rc 64 "bad port" --port 65536 correct
# A port is at most 5 digits (net_port_parse), as for check and targets.
expect_rc 64 "--port of 6 digits" --port 000025 correct
expect_rc 64 "--port with a sign" --port +25 correct
expect_rc 64 "unknown option" --bogus correct
expect_rc 64 "--max-clients 0" --max-clients 0 correct
expect_rc 64 "--max-clients over 4096" --max-clients 4097 correct
expect_rc 64 "--session-timeout not a number" --session-timeout 3s correct
expect_rc 64 "--idle-timeout 0" --idle-timeout 0 correct
expect_rc 64 "listen on a name" --listen localhost correct
expect_rc 64 "--key without --cert" --key "$work/x" correct
expect_rc 66 "unreadable certificate" --cert "$work/none.pem" correct
expect_rc 65 "certificate not PEM" --cert "$work/mine.scn" correct
expect_rc 73 "log in a missing directory" --log "$work/no/dir/log" correct
expect_rc 0 "--help" --help
if start busy --once --port 0 correct; then
	expect_rc 69 "port in use" --once --port "$lab_port" correct
	python3 "$work/client.py" greeting "$lab_port" "220 " || bad "busy"
	finish busy
fi

# IPv6 loopback, when the host has it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	if start ipv6 --once --listen ::1 --port 0 correct; then
		if [[ $lab_line == "listening on [::1]:"* ]] &&
			python3 "$work/client.py" greeting "$lab_port" "220 mail-esa.com" ::1; then
			ok
		else
			bad "IPv6: $lab_line"
		fi
		finish ipv6
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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
