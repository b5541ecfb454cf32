#!/usr/bin/env bash
# Integration tests of SMTP AUTH: "check --auth" with each mechanism against
# the lab's "auth" scenario, whose server checks the encodings for real;
# the secret never reaches stdout, stderr, the transcripts or the JSON
# report unless --show-secrets; the inspector in tmux redacts an AUTH typed
# on its command line, on screen and in the transcript "w" writes; lint of
# pasted transcripts redacts. Servers are started with --once and killed on
# exit; nothing leaves 127.0.0.1.
#
# usage: auth.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
# shellcheck source=../tools/harness.sh
. "$2/tools/harness.sh"

user=alice
secret=wonderland-42
# The base64 forms of the secret a leak would show: PLAIN's response, LOGIN's
# password, XOAUTH2's response.
leaks=("$secret" AGFsaWNlAHdvbmRlcmxhbmQtNDI= d29uZGVybGFuZC00Mg==
	dXNlcj1hbGljZQFhdXRoPUJlYXJlciB3b25kZXJsYW5kLTQyAQE=)

# lab [SCENARIO [LOG]]: a one-connection lab server (the "auth" scenario by default).
lab() {
	listen "lab.$RANDOM" "$bin" lab --once --port 0 --log "${2:-$work/lab.log}" "${1:-auth}"
}

# run NAME WANT_RC OPTIONS...: check with text output and both transcripts,
# then again with --json; every output lands in $work/NAME.*. The lab's
# certificate is made at its start, so no CA vouches for it: these runs
# give --auth-unverified, and the runs below prove what happens without it.
run() {
	local name=$1 want=$2 rc
	shift 2
	lab
	timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" --transcript "$work/$name.txt" \
		--transcript-json "$work/$name.jsonl" --auth-unverified "$@" "127.0.0.1:$port" \
		>"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$name: exit $rc, want $want: $(cat "$work/$name.err")"; fi
	lab
	timeout "$(slow 60)" "$bin" check --json --timeout "$(slow 5)" --auth-unverified "$@" \
		"127.0.0.1:$port" >"$work/$name.json" 2>"$work/$name.jerr"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$name --json: exit $rc, want $want"; fi
}

# no_leak NAME: no output of the run holds the secret in any form.
no_leak() {
	local f s
	for f in "$work/$1".*; do
		for s in "${leaks[@]}"; do
			if grep -qF -- "$s" "$f"; then bad "$1: $(basename "$f") holds $s"; else ok; fi
		done
	done
}

# has NAME EXT TEXT: the output file holds TEXT.
has() {
	if grep -qF -- "$3" "$work/$1.$2"; then ok; else bad "$1.$2 lacks '$3': $(head -c 2000 "$work/$1.$2")"; fi
}

for mech in plain login cram-md5 xoauth2; do
	run "$mech" 0 --auth "$mech" --auth-user "$user" --auth-password "$secret"
	has "$mech" out "235 2.7.0 Authentication successful"
	has "$mech" json '"text":"235 2.7.0 Authentication successful"'
	has "$mech" txt "<~  235 2.7.0"
	has "$mech" jsonl "235 2.7.0"
	no_leak "$mech"
	# The wrong password: the lab answers 535 5.7.8, check exits 2 and says why.
	run "$mech-wrong" 2 --auth "$mech" --auth-user "$user" --auth-password not-the-password
	has "$mech-wrong" out "535 5.7.8"
	has "$mech-wrong" err "authentication failed: the server rejected the credentials of AUTH"
	has "$mech-wrong" json '"completed":false'
	if grep -qF "not-the-password" "$work/$mech-wrong".*; then bad "$mech-wrong leaks"; else ok; fi
done

# What the redaction looks like, in each output.
for ext in out txt jsonl json; do
	has plain "$ext" "AUTH PLAIN <redacted 28 bytes>"
	has login "$ext" "<redacted 8 bytes>"
	has login "$ext" "<redacted 20 bytes>"
	has cram-md5 "$ext" "<redacted 52 bytes>"
	has xoauth2 "$ext" "AUTH XOAUTH2 <redacted 52 bytes>"
done
# The lab's log redacts too.
if grep -q "^tls AUTH PLAIN <redacted 28 bytes>$" "$work/lab.log" ||
	grep -q "^tls <redacted" "$work/lab.log"; then ok; else bad "lab log: $(cat "$work/lab.log")"; fi

# The secret from a file (first line); --show-secrets shows the base64.
printf '%s\nsecond line\n' "$secret" >"$work/secret"
run file 0 --auth plain --auth-user "$user" --auth-password-file "$work/secret"
no_leak file
run shown 0 --auth login --auth-user "$user" --auth-password-file "$work/secret" --show-secrets
has shown out "d29uZGVybGFuZC00Mg=="
has shown txt "d29uZGVybGFuZC00Mg=="
has shown json '"text":"d29uZGVybGFuZC00Mg=="'
# --quit-after auth: QUIT right after 235.
run quit 0 --auth plain --auth-user "$user" --auth-password "$secret" --quit-after auth \
	--from a@example.com --to b@example.org
if grep -q "MAIL FROM" "$work/quit.out"; then bad "quit-after auth sent MAIL"; else ok; fi

# Not offered: AUTH is offered only inside TLS, so --no-tls finds none; exit 2.
run not-offered 2 --no-tls --auth plain --auth-user "$user" --auth-password "$secret"
has not-offered err "AUTH PLAIN not sent: the server's EHLO reply does not offer it"
no_leak not-offered

# Issue 10: no credential over TLS whose certificate did not verify.
# unsent NAME WANT_ERR OPTIONS...: check against a lab with its own log; the
# lab never received an AUTH line, the error says why, exit 2.
unsent() {
	local name=$1 want=$2 rc
	shift 2
	lab auth "$work/$name.lab"
	timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" --transcript "$work/$name.txt" \
		--auth plain --auth-user "$user" --auth-password-file "$work/secret" "$@" \
		"127.0.0.1:$port" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -eq 2 ]; then ok; else bad "$name: exit $rc, want 2: $(cat "$work/$name.err")"; fi
	has "$name" err "$want"
	has "$name" txt "=== AUTH PLAIN not sent"
	sleep 0.2
	if grep -qi "auth" "$work/$name.lab"; then bad "$name: the lab received $(cat "$work/$name.lab")"; else ok; fi
	if grep -q "^tls EHLO" "$work/$name.lab"; then ok; else bad "$name: no EHLO inside TLS: $(cat "$work/$name.lab")"; fi
	no_leak "$name"
}
unsent verify "--tls-verify keeps credentials from every server that fails it" --tls-verify
unsent verify-wins "--tls-verify keeps credentials" --tls-verify --auth-unverified
unsent unverified "give --auth-unverified to send them anyway"

# Issue 10: a server answering AUTH with 334 on line 1 and 235 on line 2
# gets nothing more: the exchange stops, and no output shows a secret.
lab "$2/data/lab/auth-trick.scn" "$work/trick.lab"
timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" --no-tls --auth login --auth-user "$user" \
	--auth-password-file "$work/secret" --transcript "$work/trick.txt" "127.0.0.1:$port" \
	>"$work/trick.out" 2>"$work/trick.err"
rc=$?
if [ "$rc" -eq 2 ]; then ok; else bad "trick: exit $rc, want 2: $(cat "$work/trick.err")"; fi
has trick err "authentication stopped: the reply to AUTH LOGIN carries different codes"
sleep 0.2
if grep -qE "YWxpY2U=|d29uZGVy" "$work/trick.lab"; then bad "trick: the lab received a credential"; else ok; fi
# The lab redacts what follows AUTH in its log: 4 bytes are QUIT, 8 would be the user name.
has trick lab "plain <redacted 4 bytes>"
has trick txt " -> QUIT"
no_leak trick

# Usage errors: 64, and the password is never echoed.
for args in "--auth plain" "--auth md5 --auth-user u --auth-password p" \
	"--auth-user u" "--quit-after auth" "--auth plain --auth-user u"; do
	# shellcheck disable=SC2086
	"$bin" check $args 127.0.0.1:1 >/dev/null 2>"$work/usage.err"
	rc=$?
	if [ "$rc" -eq 64 ]; then ok; else bad "check $args: exit $rc, want 64"; fi
done
"$bin" check --auth plain --auth-user u --auth-password-file "$work/none" 127.0.0.1:1 \
	>/dev/null 2>"$work/usage.err"
rc=$?
if [ "$rc" -eq 66 ]; then ok; else bad "missing password file: exit $rc, want 66"; fi

# Issue 10: tabs (any run of blanks, any case) after AUTH do not defeat redaction.
printf '%s\n' "<-  220 mx.example ESMTP" " -> EHLO c.example" "<-  250-mx.example" \
	"<-  250 AUTH PLAIN" " -> auth	plain	AGFsaWNlAHdvbmRlcmxhbmQtNDI=" "<-  235 ok" \
	" -> QUIT" "<-  221 bye" >"$work/tabs.txt"
"$bin" lint "$work/tabs.txt" >"$work/lint-tabs.out" 2>&1
"$bin" lint --json "$work/tabs.txt" >"$work/lint-tabs.json" 2>&1
no_leak lint-tabs
has lint-tabs out "<redacted 28 bytes>"

# lint of pasted transcripts: swaks' AUTH LOGIN and a raw paste.
printf '%s\n' "=== Trying 127.0.0.1:25..." "<-  220 mx.example ESMTP" " -> EHLO c.example" \
	"<-  250-mx.example" "<-  250 AUTH LOGIN" " -> AUTH LOGIN" "<-  334 VXNlcm5hbWU6" \
	" -> YWxpY2U=" "<-  334 UGFzc3dvcmQ6" " -> d29uZGVybGFuZC00Mg==" \
	"<-  235 2.7.0 Authentication successful" " -> QUIT" "<-  221 bye" >"$work/swaks.txt"
printf '%s\n' "220 mx.example ESMTP" "EHLO c.example" "250-mx.example" "250 AUTH LOGIN" \
	"AUTH LOGIN" "334 VXNlcm5hbWU6" "YWxpY2U=" "334 UGFzc3dvcmQ6" "d29uZGVybGFuZC00Mg==" \
	"235 2.7.0 ok" >"$work/raw.txt"
for input in swaks raw; do
	"$bin" lint "$work/$input.txt" >"$work/lint-$input.out" 2>&1
	"$bin" lint --json "$work/$input.txt" >"$work/lint-$input.json" 2>&1
	for ext in out json; do
		has "lint-$input" "$ext" "<redacted 20 bytes>"
		if grep -qF "d29uZGVybGFuZC00Mg==" "$work/lint-$input.$ext"; then
			bad "lint $input ($ext) shows the password"
		else
			ok
		fi
	done
	"$bin" lint --show-secrets "$work/$input.txt" >"$work/lint-$input-shown.out" 2>&1
	has "lint-$input-shown" out "d29uZGVybGFuZC00Mg=="
done

# The line mode (--plain): the planned AUTH is shown redacted, Enter sends the real one.
lab
printf '\n\n\n\nyes\n\n\n' | timeout "$(slow 30)" "$bin" --plain --helo plain.example --auth login \
	--auth-user "$user" --auth-password-file "$work/secret" "127.0.0.1:$port" \
	>"$work/plain.out" 2>&1
has plain out "next: AUTH LOGIN"
has plain out "certificate was not verified: the credentials could go to whoever answered: type yes"
has plain out "<redacted 20 bytes>"
has plain out "235 2.7.0 Authentication successful"
no_leak plain

# The inspector: AUTH PLAIN typed on the command line is redacted on screen
# and in the transcript that "w" writes; the history file never holds it.
# shellcheck source=../tools/tmux.sh
. "$2/tools/tmux.sh"
need_tmux "the inspector part"

# through_tls PANE: from the greeting, sends EHLO, STARTTLS and the EHLO inside TLS.
through_tls() {
	wait_for "$1" "next: EHLO tui.example" && ok
	tm send-keys -t "$1" Space
	wait_for "$1" "next: STARTTLS" && ok
	tm send-keys -t "$1" Space
	wait_for "$1" "TLS started" && ok
	wait_for "$1" "next: EHLO tui.example" && ok
	tm send-keys -t "$1" Space
}
mkdir -p "$work/tui" "$work/home"
lab
tm new-session -d -s a -x 120 -y 40 \
	"cd $work/tui && HOME=$work/home XDG_STATE_HOME= $bin --helo tui.example 127.0.0.1:$port; sleep 60"
through_tls a
wait_for a "next: QUIT" && ok
tm send-keys -t a ":" "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtNDI=" Enter
wait_for a "AUTH PLAIN <redacted 28 bytes>" && ok
wait_for a "235 2.7.0 Authentication successful" && ok
if screen a | grep -qF "AGFsaWNl"; then bad "the screen shows the base64"; else ok; fi
tm send-keys -t a w
wait_for a "transcript written to" && ok
sleep 0.2
written=$(ls "$work/tui"/smtpscope-*.txt 2>/dev/null | head -1)
if [ -n "$written" ] && grep -qF " ~> AUTH PLAIN <redacted 28 bytes>" "$written" &&
	! grep -qF "AGFsaWNl" "$written"; then
	ok
else
	bad "the transcript w wrote: $(cat "$written" 2>/dev/null)"
fi
tm send-keys -t a Space
wait_for a "session closed" && ok
tm send-keys -t a q
sleep 0.3
if grep -rqF "AGFsaWNl" "$work/home"; then bad "the history file holds the AUTH line"; else ok; fi

# The planned AUTH of --auth: shown redacted, sent for real when Space sends it unchanged.
lab
tm new-session -d -s b -x 120 -y 40 \
	"$bin --helo tui.example --auth plain --auth-user $user --auth-password-file $work/secret 127.0.0.1:$port; sleep 60"
through_tls b
wait_for b "next: AUTH PLAIN <redacted 28 bytes>" && ok
if screen b | grep -qF "AGFsaWNl"; then bad "the planned AUTH shows the base64"; else ok; fi
# The certificate is not verified: Space asks, n keeps the credentials, y sends them.
tm send-keys -t b Space
wait_for b "Certificate NOT verified: send the credentials anyway? y/n" && ok
tm send-keys -t b n
wait_for b "Not sent. Space asks again" && ok
tm send-keys -t b Space
wait_for b "Certificate NOT verified" && ok
tm send-keys -t b y
wait_for b "235 2.7.0 Authentication successful" && ok
tm send-keys -t b Space
wait_for b "session closed" && ok
tm send-keys -t b q

finish
