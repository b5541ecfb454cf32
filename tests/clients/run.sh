#!/usr/bin/env bash
# The client matrix proved against the real clients. For each EHLO reply
# shape of tests/clients/shapes.txt it writes a lab scenario (the greeting,
# that EHLO reply, STARTTLS accepted, an EHLO reply inside TLS without
# STARTTLS, the defaults for MAIL, RCPT, DATA and QUIT), runs each real
# client against its own one-connection lab server with opportunistic TLS and
# one message to send, and reads from the lab's --log two things. What the
# client did next after the EHLO reply (observe_outcome): STARTTLS, MAIL in
# plaintext, nothing while it waited 8 s or more (a stall), or anything else
# (an abort). And whether it found STARTTLS (observe): it sent STARTTLS; for
# openssl s_client, which sends STARTTLS in every case, its own message
# "Didn't find STARTTLS in server response". testssl.sh opens many
# connections, so its lab serves more than one and only its own dialog
# ("EHLO testssl.sh") is read. Both are compared with "smtpscope lint --json"
# on the same reply lines (clients.<id>.outcome, and clients.<id>.line not
# null); any disagreement fails.
#
# A client that cannot be run here is reported as SKIPPED, with its name and
# why; with CI set, a client whose package scripts/install-deps installs must
# run. Everything stays on 127.0.0.1; every server is stopped on exit.
#
# usage: run.sh [--doc] [SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR]
#   --doc  also rewrite the section "Verified against the real clients" of
#          docs/clients.md (tests/clients/doc.py), with this run's results.
#   Without the three paths: build/smtpscope, tests and build/tests of the
#   checkout this script is in.
#   ONLY="CLIENT ..."  run these clients alone (Postfix among them only if
#          named); for working on one client. Not with --doc.
set -uo pipefail
doc=""
if [ "${1:-}" = --doc ]; then
	doc=1
	shift
fi
if [ -n "$doc" ] && [ -n "${ONLY:-}" ]; then
	echo "run.sh: --doc writes every client's results; it cannot run with ONLY" >&2
	exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
bin=$(realpath "${1:-$root/build/smtpscope}")
src=$(realpath "${2:-$root/tests}")
bindir=${3:-$root/build/tests}
mkdir -p "$bindir/clients"
bindir=$(realpath "$bindir/clients")
# shellcheck source=../tools/harness.sh
. "$src/tools/harness.sh"
PATH="$PATH:/usr/sbin:/sbin"
started=$(date +%s)
chmod 755 "$work" # the Postfix daemons read the message queue under it
mkdir -p "$work/shape" "$work/run"
results="$work/results"   # SHAPE CLIENT PREDICTED OBSERVED (does it send STARTTLS)
outcomes="$work/outcomes" # SHAPE CLIENT PREDICTED OBSERVED (what it does next)
versions="$work/versions" # CLIENT|VERSION
skipped="$work/skipped"   # CLIENT|REASON
: >"$results"
: >"$outcomes"
: >"$versions"
: >"$skipped"
ran=()
port="" # set by listen (tests/tools/harness.sh)

# skip CLIENT PACKAGE REASON: the client is not run. With CI set, a client
# whose Debian package scripts/install-deps installs must not be skipped.
skip() {
	local client=$1 package=$2 reason=$3
	case ${CI:-} in
	"" | false | 0) ;;
	*)
		if [ -n "$package" ] && grep -qw -- "$package" "$root/scripts/install-deps"; then
			bad "$client cannot run ($reason), and CI must run it (scripts/install-deps installs $package)"
		fi
		;;
	esac
	echo "SKIPPED: $client: $reason"
	echo "$client|$reason" >>"$skipped"
}
version() { echo "$1|$2" >>"$versions"; }

# ---------------------------------------------------------------- the shapes
ids=()
while IFS='|' read -r id ending desc lines; do
	case $id in "" | \#*) continue ;; esac
	ids+=("$id")
	# The reply as lint reads it: the bytes the server sends.
	eol='\r\n'
	[ "$ending" = lf ] && eol='\n'
	: >"$work/shape/$id.reply"
	IFS='|' read -r -a parts <<<"$lines"
	for line in "${parts[@]}"; do
		printf '%b' "$line$eol" >>"$work/shape/$id.reply"
	done
	{
		echo "summary tests/clients shape $id: $desc"
		echo "ending $ending"
		echo "greeting"
		echo "	send 220 mx.example.org ESMTP smtpscope clients harness"
		echo "on EHLO plain"
		for line in "${parts[@]}"; do echo "	send $line"; done
		echo "on STARTTLS plain"
		echo "	send 220 2.0.0 Ready to start TLS"
		echo "	starttls"
		echo "on EHLO tls"
		echo "	send 250-mx.example.org"
		echo "	send 250-PIPELINING"
		echo "	send 250 8BITMIME"
	} >"$work/shape/$id.scn"
	# The prediction: one "CLIENT yes|no" line per profile: yes when the
	# client finds STARTTLS in the reply (clients.<id>.line). That is its
	# outcome "starttls", but for openssl s_client, whose outcome is always
	# "starttls" (it sends the command without looking) and whose message
	# says whether it found the keyword.
	if ! "$bin" lint --json --format raw "$work/shape/$id.reply" >"$work/shape/$id.json" 2>&1 &&
		! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/shape/$id.json" 2>/dev/null; then
		bad "lint --json on shape $id: $(head -5 "$work/shape/$id.json")"
		continue
	fi
	python3 - "$work/shape/$id.json" >"$work/shape/$id.predicted" <<'PY'
import json, sys
for k, v in json.load(open(sys.argv[1]))["clients"].items():
    print(k, "yes" if v["line"] is not None else "no", v["outcome"])
PY
done <"$here/shapes.txt"
[ "${#ids[@]}" -gt 0 ] || bad "no shapes in $here/shapes.txt"
predicted() { awk -v c="$2" '$1 == c { print $2 }' "$work/shape/$1.predicted"; }
predicted_outcome() { awk -v c="$2" '$1 == c { print $3 }' "$work/shape/$1.predicted"; }

# ---------------------------------------------------------------- the clients
# Each client_ID PORT runs the client once against 127.0.0.1:PORT, with
# opportunistic TLS and no certificate check, its output on stdout/stderr.
msg="$work/message.txt"
mkdir -p "$work/pfconf"
: >"$work/pfconf/main.cf"
: >"$work/pfconf/master.cf"
printf 'From: a@client.smtpscope.test\r\nTo: b@example.org\r\nSubject: smtpscope clients test\r\n\r\nHello.\r\n' >"$msg"

client_python-smtplib() {
	python3 - "$1" "$msg" <<'PY'
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.smtpscope.test", timeout=10)
s.ehlo()
if s.has_extn("starttls"):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s.starttls(context=ctx)
    s.ehlo()
s.sendmail("a@client.smtpscope.test", ["b@example.org"], open(sys.argv[2], "rb").read())
s.quit()
PY
}
client_swaks() {
	swaks --server 127.0.0.1 --port "$1" --helo client.smtpscope.test \
		--from a@client.smtpscope.test --to b@example.org --tls-optional \
		--timeout 10
}
client_curl() {
	curl -sS --ssl -k --connect-timeout 5 --max-time 15 --mail-from a@client.smtpscope.test \
		--mail-rcpt b@example.org -T "$msg" "smtp://127.0.0.1:$1/client.smtpscope.test"
}
client_openssl-s_client() {
	openssl s_client -starttls smtp -name client.smtpscope.test -connect "127.0.0.1:$1" </dev/null
}
client_posttls-finger() {
	# Postfix programs read main.cf; the package may have made none.
	MAIL_CONFIG="$work/pfconf" posttls-finger -c -l may -t 5 -T 10 "[127.0.0.1]:$1"
}
client_msmtp() {
	# msmtp has no opportunistic mode: "tls on" requires TLS. It sends
	# STARTTLS when it sees it offered and fails, without it, otherwise.
	local conf="$work/run/msmtp.$1.conf"
	printf '%s\n' "account default" "host 127.0.0.1" "port $1" "auth off" \
		"from a@client.smtpscope.test" "domain client.smtpscope.test" "tls on" \
		"tls_starttls on" "tls_certcheck off" "timeout 10" "syslog off" >"$conf"
	chmod 600 "$conf"
	msmtp -C "$conf" b@example.org <"$msg"
}
client_go-net-smtp() { "$bindir/starttls-probe" "127.0.0.1:$1"; }
client_s-nail() {
	# s-nail reads no EHLO keyword: with smtp-use-starttls it sends STARTTLS
	# after any 2xx EHLO reply. A fresh HOME, no system or user mailrc.
	local home="$work/run/s-nail.$1"
	mkdir -p "$home"
	HOME="$home" MAILRC=/dev/null s-nail -n -v -S sendwait -S "mta=smtp://127.0.0.1:$1" \
		-S smtp-use-starttls -S tls-verify=ignore -S from=a@client.smtpscope.test \
		-S hostname=client.smtpscope.test -s "smtpscope clients test" b@example.org </dev/null
}
client_testssl() {
	# testssl.sh first connects and closes, then runs its own STARTTLS dialog
	# (starttls_smtp_dialog, "EHLO testssl.sh"), then many more connections
	# (openssl s_client among them, which sends STARTTLS anyway). Its lab
	# serves them all (no --once); testssl.sh is stopped, with what it started
	# (timeout signals its process group), once the lab's log holds the line
	# after its EHLO, or once it reports "STARTTLS handshake failed" (its
	# dialog did not send STARTTLS), or after 25 s.
	local pid out="$2.testssl"
	timeout -k 2 60 testssl --quiet --color 0 --ip one --warnings off -t smtp --protocols \
		"127.0.0.1:$1" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 1 250); do
		testssl_next "$2" >/dev/null && break
		grep -q 'STARTTLS handshake failed' "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$out"
	return 0
}
# testssl_next LOG: the line the lab logged after testssl.sh's "EHLO
# testssl.sh" (its own dialog); fails when there is none yet.
testssl_next() {
	awk '/^plain EHLO testssl\.sh$/ && !e { e = 1; next } e { print; f = 1; exit }
		END { exit !f }' "$1" 2>/dev/null
}
client_jakarta-mail() {
	java -Xshare:auto -XX:TieredStopAtLevel=1 \
		-cp "$bindir/java:/usr/share/java/jakarta-mail.jar:/usr/share/java/jakarta-activation.jar" \
		StarttlsProbe "$1"
}
client_ruby-net-smtp() {
	# start() sends EHLO and, with enable_starttls_auto, STARTTLS when
	# capable_starttls? holds; then one message; finish() sends QUIT.
	ruby - "$1" "$msg" <<'RB'
require "net/smtp"
require "openssl"
ctx = OpenSSL::SSL::SSLContext.new
ctx.verify_mode = OpenSSL::SSL::VERIFY_NONE
smtp = Net::SMTP.new("127.0.0.1", Integer(ARGV[0]))
smtp.enable_starttls_auto(ctx)
smtp.open_timeout = 10
smtp.read_timeout = 10
smtp.start("client.smtpscope.test")
puts "capabilities: #{smtp.capabilities.inspect}"
smtp.send_message(File.binread(ARGV[1]), "a@client.smtpscope.test", "b@example.org")
smtp.finish
RB
}

client_perl-net-smtp() {
	# Net::SMTP's supports() gives '' for a bare keyword: a caller must test
	# defined, as this one does. starttls() says EHLO again itself. Then one
	# message, in TLS or not.
	perl - "$1" "$msg" <<'PL'
use strict;
use warnings;
use Net::SMTP;
my $s = Net::SMTP->new("127.0.0.1", Port => $ARGV[0], Hello => "client.smtpscope.test",
	Timeout => 10) or die "Net::SMTP->new: $@\n";
if (defined $s->supports("STARTTLS")) {
	$s->starttls(SSL_verify_mode => 0) or die "starttls: " . $s->code . " $@\n";
}
open(my $fh, "<", $ARGV[1]) or die "$ARGV[1]: $!\n";
my $text = do { local $/; <$fh> };
$s->mail("a\@client.smtpscope.test") && $s->to("b\@example.org") && $s->data($text)
	or die "message: " . $s->code . "\n";
$s->quit;
PL
}

# PHPMailer with SMTPAutoTLS (its default), Timeout 10; one message.
client_phpmailer() { php "$here/php/starttls-probe.php" "$1"; }

# runclient CLIENT PORT LOG: client_CLIENT under a 30 s limit (timeout runs
# programs, not functions: hence bash -c and the exports).
export work msg bindir here
# shellcheck disable=SC2163 # f names a function, which export -f takes
for f in $(declare -F | awk '$3 ~ /^(client_|testssl_next)/ { print $3 }'); do export -f "$f"; done
# shellcheck disable=SC2016 # expanded by the inner bash
runclient() { timeout 30 bash -c 'client_$0 "$1" "$2"' "$1" "$2" "$3"; }
# runtimed SHAPE CLIENT PORT: runclient on the shape's lab, its output in the
# run's .out file, the seconds it took in .secs (a stall shows as a wait).
runtimed() {
	local start=$SECONDS
	runclient "$2" "$3" "$work/run/$1.$2.log" >"$work/run/$1.$2.out" 2>&1
	echo $((SECONDS - start)) >"$work/run/$1.$2.secs"
}
# once CLIENT: the lab option for CLIENT; testssl.sh needs more than one connection.
once() { [ "$1" = testssl ] || echo --once; }

# Which clients run here, their versions, and the programs built for them.
candidates=()
have() { command -v "$1" >/dev/null 2>&1; }
# candidate CLIENT PACKAGE REASON COMMAND...: CLIENT is a candidate when every
# COMMAND is installed (then say its version); else it is skipped for REASON.
candidate() {
	local client=$1 package=$2 reason=$3 command
	shift 3
	for command in "$@"; do
		have "$command" || {
			skip "$client" "$package" "$reason"
			return 1
		}
	done
	candidates+=("$client")
}
candidate python-smtplib python3 "no python3" python3 &&
	version python-smtplib "$(python3 --version 2>&1)"
candidate swaks swaks "no swaks command (Debian package swaks)" swaks &&
	version swaks "$(swaks --version 2>&1 | head -1)"
candidate curl curl "no curl command (Debian package curl)" curl &&
	version curl "$(curl --version | head -1 | cut -d" " -f1-2)"
candidate openssl-s_client openssl "no openssl command" openssl &&
	version openssl-s_client "$(openssl version | cut -d" " -f1-2)"
candidate posttls-finger postfix "no posttls-finger command (Debian package postfix)" \
	posttls-finger postconf &&
	version posttls-finger "posttls-finger of Postfix $(postconf -c "$work/pfconf" -h mail_version)"
candidate msmtp msmtp "no msmtp command (Debian package msmtp)" msmtp &&
	version msmtp "$(msmtp --version | head -1)"
if have go; then
	if (cd "$here/go" && GOCACHE="$bindir/go-cache" GOPATH="$bindir/go-path" GOPROXY=off \
		GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=0 go build -o "$bindir/starttls-probe" .) \
		>"$work/go-build.out" 2>&1; then
		candidates+=(go-net-smtp)
		version go-net-smtp "net/smtp of $(go version | awk '{ print $3 }')"
	else
		bad "go build of tests/clients/go: $(cat "$work/go-build.out")"
	fi
else skip go-net-smtp golang-go "no go command (Debian package golang-go)"; fi
if have javac && have java && [ -r /usr/share/java/jakarta-mail.jar ]; then
	mkdir -p "$bindir/java"
	if javac -d "$bindir/java" -cp /usr/share/java/jakarta-mail.jar \
		"$here/java/StarttlsProbe.java" >"$work/javac.out" 2>&1; then
		candidates+=(jakarta-mail)
		jm=$(dpkg-query -W -f '${Version}' libjakarta-mail-java 2>/dev/null) || jm="(version unknown)"
		version jakarta-mail "Jakarta Mail $jm on Java $(java -version 2>&1 | head -1 | sed 's/.*"\(.*\)".*/\1/')"
	else
		bad "javac of tests/clients/java: $(cat "$work/javac.out")"
	fi
else skip jakarta-mail libjakarta-mail-java "no javac/java or no /usr/share/java/jakarta-mail.jar (Debian packages default-jdk-headless, libjakarta-mail-java)"; fi
candidate s-nail s-nail "no s-nail command (Debian package s-nail)" s-nail &&
	version s-nail "$(s-nail -V 2>&1 | head -1 | cut -d, -f1)"
# Debian's package testssl.sh installs the command as testssl.
candidate testssl testssl.sh "no testssl command (Debian package testssl.sh)" testssl &&
	version testssl "testssl.sh $(testssl --version 2>/dev/null | sed -n 's/^ *testssl *\([0-9][^ ]*\).*/\1/p' | head -1)"
candidate ruby-net-smtp ruby "no ruby command (Debian package ruby)" ruby &&
	version ruby-net-smtp "net-smtp $(ruby -rnet/smtp -e 'print Net::SMTP::VERSION') on Ruby $(ruby -e 'print RUBY_VERSION')"
# Net::SMTP is in perl's core modules; its starttls() needs IO::Socket::SSL.
if have perl && perl -MNet::SMTP -e 'exit !Net::SMTP->can_ssl' 2>/dev/null; then
	candidates+=(perl-net-smtp)
	version perl-net-smtp "Net::SMTP $(perl -MNet::SMTP -e 'print $Net::SMTP::VERSION') (libnet) with IO::Socket::SSL $(perl -MIO::Socket::SSL -e 'print $IO::Socket::SSL::VERSION') on perl $(perl -e 'printf "%vd", $^V')"
else skip perl-net-smtp libio-socket-ssl-perl "no perl with Net::SMTP and IO::Socket::SSL (Debian packages perl, libio-socket-ssl-perl)"; fi
if have php && [ -r /usr/share/php/libphp-phpmailer/autoload.php ]; then
	candidates+=(phpmailer)
	pm=$(dpkg-query -W -f '${Version}' libphp-phpmailer 2>/dev/null) || pm="(version unknown)"
	version phpmailer "PHPMailer $pm on PHP $(php -r 'echo PHP_VERSION;')"
else skip phpmailer libphp-phpmailer "no php command or no /usr/share/php/libphp-phpmailer/autoload.php (Debian packages php-cli, libphp-phpmailer)"; fi

# wanted CLIENT: the client is to run (every one, unless ONLY names some).
wanted() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

# A first run on the correct shape proves each client works end to end: one
# that cannot (a broken install) is skipped by name, never compared.
for client in "${candidates[@]}"; do
	wanted "$client" || continue
	# shellcheck disable=SC2046 # once gives one word or none
	listen "probe.$client" "$bin" lab $(once "$client") --port 0 \
		--log "$work/run/probe.$client.log" "$work/shape/correct.scn"
	runclient "$client" "$port" "$work/run/probe.$client.log" >"$work/run/probe.$client.out" 2>&1
	[ -n "$(once "$client")" ] || kill "${pids[-1]}" 2>/dev/null
	# The handshake went through: a command inside TLS, or (s_client, which
	# sends none) its report of the cipher; for testssl.sh, which is stopped
	# early, STARTTLS right after its own EHLO.
	if { [ "$client" = testssl ] &&
		[ "$(testssl_next "$work/run/probe.$client.log")" = "plain STARTTLS" ]; } ||
		{ grep -qi '^plain STARTTLS$' "$work/run/probe.$client.log" 2>/dev/null &&
			{ grep -qi '^tls ' "$work/run/probe.$client.log" ||
				grep -q 'Cipher is' "$work/run/probe.$client.out"; }; }; then
		ran+=("$client")
	else
		skip "$client" "" "no STARTTLS session with the correct shape: $(tail -3 "$work/run/probe.$client.out" | tr '\n' ' ')"
	fi
done

# observe SHAPE CLIENT: yes when the client sent (or, for s_client, found)
# STARTTLS; "no-session" when it never said EHLO to the lab (no observation).
observe() {
	local log="$work/run/$1.$2.log" out="$work/run/$1.$2.out"
	if ! grep -qi '^plain EHLO ' "$log" 2>/dev/null; then
		echo no-session
	elif [ "$2" = openssl-s_client ]; then
		if grep -q "Didn't find STARTTLS in server response" "$out"; then echo no; else echo yes; fi
	elif [ "$2" = testssl ]; then
		if ! grep -q '^plain EHLO testssl\.sh$' "$log"; then
			echo no-session
		elif [ "$(testssl_next "$log")" = "plain STARTTLS" ]; then echo yes; else echo no; fi
	elif grep -qi '^plain STARTTLS$' "$log" 2>/dev/null; then
		echo yes
	else
		echo no
	fi
}

# observe_outcome SHAPE CLIENT: what the client did after the EHLO reply, by
# the lab's log: starttls (STARTTLS came next), plaintext (MAIL came next),
# stall (nothing came, and the client took 8 s or more: it waited for the
# reply to end, until its time-out of 10 s or the limit of 30 s), abort
# (anything else: QUIT, RSET, HELO, a close); no-session without an EHLO.
# testssl.sh's own dialog is the one after its "EHLO testssl.sh"; nothing
# after it there is an abort (its dialog failed and closed).
observe_outcome() {
	local log="$work/run/$1.$2.log" next secs=0
	if ! grep -qi '^plain EHLO ' "$log" 2>/dev/null; then
		echo no-session
		return
	fi
	if [ "$2" = testssl ]; then
		# Its run is long and many connections; its dialog's end is its own.
		next=$(testssl_next "$log")
		[ -n "$next" ] || next="(closed)"
	else
		next=$(awk 'toupper($0) ~ /^PLAIN EHLO / && !e { e = 1; next } e { print; exit }' "$log")
	fi
	[ -r "$work/run/$1.$2.secs" ] && read -r secs <"$work/run/$1.$2.secs"
	case ${next^^} in
	"PLAIN STARTTLS") echo starttls ;;
	"PLAIN MAIL "*) echo plaintext ;;
	"") if [ "$secs" -ge 8 ]; then echo stall; else echo abort; fi ;;
	*) echo abort ;;
	esac
}

# Each shape: one lab per client, the clients in parallel (at most 4 at once).
# testssl.sh, slow to start (some 3 s), is not waited for shape by shape: its
# runs (at most 2 at once) overlap the next shapes, and its labs (without
# --once) are stopped when they are all done.
slow=()     # the testssl.sh runs
slowlabs=() # their labs
for id in "${ids[@]}"; do
	cpids=()
	for client in "${ran[@]}"; do
		# shellcheck disable=SC2046 # once gives one word or none
		listen "$id.$client" "$bin" lab $(once "$client") --port 0 \
			--log "$work/run/$id.$client.log" "$work/shape/$id.scn"
		runtimed "$id" "$client" "$port" &
		if [ -z "$(once "$client")" ]; then
			slowlabs+=("${pids[-1]}")
			slow+=($!)
			if [ "${#slow[@]}" -ge 2 ]; then
				wait "${slow[0]}"
				slow=("${slow[@]:1}")
			fi
			continue
		fi
		cpids+=($!)
		if [ "${#cpids[@]}" -ge 4 ]; then
			wait "${cpids[0]}"
			cpids=("${cpids[@]:1}")
		fi
	done
	[ "${#cpids[@]}" -eq 0 ] || wait "${cpids[@]}"
done
[ "${#slow[@]}" -eq 0 ] || wait "${slow[@]}"
for pid in "${slowlabs[@]}"; do kill "$pid" 2>/dev/null; done
for id in "${ids[@]}"; do
	for client in "${ran[@]}"; do
		echo "$id $client $(predicted "$id" "$client") $(observe "$id" "$client")" >>"$results"
		echo "$id $client $(predicted_outcome "$id" "$client") $(observe_outcome "$id" "$client")" \
			>>"$outcomes"
	done
done

# ---------------------------------------------------------------- Postfix smtp(8)
# One private instance (as tests/integration/postfix.sh sets one up: its own
# configuration and queue here, no inet service at all), one lab per shape,
# and one message per shape to rcpt@SHAPE.test, routed by transport_maps to
# smtp:[127.0.0.1]:PORT of that shape's lab (the same smtp(8) client as a
# relayhost, without one restart per shape). smtp_tls_security_level = may.
pf="$work/postfix"
master_pid() {
	local pid
	read -r pid 2>/dev/null <"$pf/queue/pid/master.pid" || return 1
	[ -n "$pid" ] && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$pf/queue" ] && echo "$pid"
}
harness_extra_cleanup() {
	local pid
	pid=$(master_pid) || return 0
	postfix -c "$pf/etc" stop >/dev/null 2>&1
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
}
postfix_run() {
	local master_cf=/usr/share/postfix/master.cf.dist service id n
	[ -r "$master_cf" ] || master_cf=/etc/postfix/master.cf
	mkdir -p "$pf/etc" "$pf/queue"
	cp "$master_cf" "$pf/etc/master.cf"
	: >"$pf/etc/main.cf"
	: >"$pf/etc/transport"
	for id in "${ids[@]}"; do
		listen "postfix.$id" "$bin" lab --once --port 0 --log "$work/run/$id.postfix.log" \
			"$work/shape/$id.scn"
		echo "$id.test smtp:[127.0.0.1]:$port" >>"$pf/etc/transport"
	done
	postconf -c "$pf/etc" -e "compatibility_level = 3.6" "queue_directory = $pf/queue" \
		"data_directory = $pf/data" "inet_interfaces = loopback-only" "inet_protocols = ipv4" \
		"myhostname = localhost" "mydomain = localdomain" "mydestination =" \
		"alias_maps =" "alias_database =" "transport_maps = texthash:$pf/etc/transport" \
		"default_transport = error:smtpscope clients test, no delivery" \
		"smtp_helo_name = client.smtpscope.test" "smtp_tls_security_level = may" \
		"smtp_tls_loglevel = 1" "smtp_connection_cache_on_demand = no" \
		"smtp_connect_timeout = 5s" "smtp_helo_timeout = 10s" \
		"maillog_file = $pf/maillog" "maillog_file_prefixes = $pf" >>"$work/postfix.out" 2>&1 ||
		{ bad "postconf main.cf: $(cat "$work/postfix.out")"; return 1; }
	postconf -c "$pf/etc" -F '*/*/chroot = n' >>"$work/postfix.out" 2>&1
	for service in $(postconf -c "$pf/etc" -M | awk '$2 == "inet" { print $1 "/inet" }'); do
		postconf -c "$pf/etc" -MX "$service" >>"$work/postfix.out" 2>&1
	done
	if ! postfix -c "$pf/etc" start >>"$work/postfix.out" 2>&1; then
		bad "postfix start: $(cat "$work/postfix.out"; tail -20 "$pf/maillog" 2>/dev/null)"
		return 1
	fi
	for id in "${ids[@]}"; do
		sendmail -C "$pf/etc" -f a@client.smtpscope.test "rcpt@$id.test" <"$msg" ||
			bad "postfix sendmail for shape $id"
	done
	postqueue -c "$pf/etc" -f >/dev/null 2>&1
	# Done when every lab log holds QUIT, or has seen no change for a while (60 s at most).
	for _ in $(seq 1 300); do
		n=0
		for id in "${ids[@]}"; do
			grep -q '^\(plain\|tls\) QUIT$' "$work/run/$id.postfix.log" 2>/dev/null && n=$((n + 1))
		done
		[ "$n" -eq "${#ids[@]}" ] && break
		sleep 0.2
	done
	for id in "${ids[@]}"; do
		echo "$id postfix $(predicted "$id" postfix) $(observe "$id" postfix)" >>"$results"
		echo "$id postfix $(predicted_outcome "$id" postfix) $(observe_outcome "$id" postfix)" \
			>>"$outcomes"
	done
	harness_extra_cleanup
	return 0
}
if ! wanted postfix; then
	echo "not run: postfix (ONLY=$ONLY)"
elif ! have postfix || ! have postconf || ! have sendmail; then
	skip postfix postfix "no postfix, postconf or sendmail command (Debian package postfix)"
elif [ "$(id -u)" -ne 0 ]; then
	skip postfix postfix "a private Postfix instance needs root (its master runs as root); uid $(id -u)"
elif ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
	skip postfix postfix "no postfix user or postdrop group"
else
	version postfix "Postfix smtp(8) $(postconf -c "$work/pfconf" -h mail_version)"
	if postfix_run; then ran+=(postfix); fi
fi

# Profiles that no test here can run.
skip cisco-esa "" "closed source appliance; the profile rests on a vendor document"
for client in exim sendmail opensmtpd; do
	skip "$client" "" "not installed: it would replace Postfix as the system MTA; from source, not yet verified"
done
skip dotnet "" "no .NET runtime in Debian 12; from source, not yet verified"

# ---------------------------------------------------------------- the verdict
# verdict FILE WHAT: each line "SHAPE CLIENT PREDICTED OBSERVED" of FILE is a
# check (ok or bad, here: not in a subshell, which would lose the counts);
# sets agreed to "AGREE/TOTAL". WHAT names the observation in a failure.
verdict() {
	local id client pred obs agree=0 total=0
	while read -r id client pred obs; do
		total=$((total + 1))
		if [ "$pred" = "$obs" ]; then
			agree=$((agree + 1))
			ok
		else
			bad "shape $id, client $client: $2 predicted ${pred:-none}, observed $obs"
		fi
	done <"$1"
	agreed="$agree/$total"
}
verdict "$results" "STARTTLS found"
found=$agreed
verdict "$outcomes" outcome
echo "ran: ${ran[*]}"
echo "${#ran[@]} clients x ${#ids[@]} shapes, $found agree on STARTTLS, $agreed on the outcome"
echo "took $(($(date +%s) - started)) s"
if [ -n "$doc" ]; then
	if python3 "$here/doc.py" "$here/shapes.txt" "$results" "$outcomes" "$versions" "$skipped" \
		"$work/shape/correct.json" "$root/docs/clients.md"; then
		echo "wrote $root/docs/clients.md"
	else
		bad "doc.py could not write docs/clients.md"
	fi
fi
finish
