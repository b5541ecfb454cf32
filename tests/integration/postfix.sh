#!/usr/bin/env bash
# Integration tests of "smtpscope check" against a real Postfix: a private
# instance (its own configuration, queue and data directories in a temporary
# directory) that listens only on 127.0.0.1, on a free high port, with
# STARTTLS and a certificate from a CA made here. The checks never give
# --from or --to (the session is EHLO, STARTTLS, EHLO, QUIT), and the instance
# rejects every recipient and has no transport that delivers anyway.
#
# The instance is started with "postfix -c DIR start" (its master runs as
# root) and stopped with "postfix -c DIR stop" at the end and on any exit; a
# system-wide Postfix, if the package started one, is neither used nor
# touched. Without Postfix (or without root) the test is skipped, except when
# CI is set: CI installs Postfix (scripts/install-deps), so there it fails.
#
# usage: postfix.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
PATH="$PATH:/usr/sbin:/sbin"

unavailable() {
	case ${CI:-} in
	"" | false | 0)
		echo "SKIPPED: postfix not available ($1)"
		exit 0
		;;
	*)
		echo "FAIL: postfix not available ($1), and CI must run this test (scripts/install-deps installs it)"
		exit 1
		;;
	esac
}
if ! command -v postfix >/dev/null || ! command -v postconf >/dev/null; then
	unavailable "no postfix or postconf command; scripts/install-deps installs the package"
fi
[ "$(id -u)" -eq 0 ] || unavailable "its master must run as root; this is uid $(id -u)"
if ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
	unavailable "no postfix user or postdrop group"
fi
master_cf=/usr/share/postfix/master.cf.dist
[ -r "$master_cf" ] || master_cf=/etc/postfix/master.cf
[ -r "$master_cf" ] || unavailable "no master.cf to start from"
for tool in openssl python3; do
	command -v "$tool" >/dev/null || unavailable "no $tool"
done

# Postfix's daemons run as the postfix user and must reach the queue in here,
# so the directory is in /tmp (not a private TMPDIR) and readable by all.
work_parent=/tmp
# shellcheck source=../tools/harness.sh
. "$2/tools/harness.sh"
chmod 755 "$work"
pf="$work/postfix"
mkdir -p "$pf/etc" "$pf/queue"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# master_pid: prints the instance's running master's process id (also its
# process group's), from its pid file, if that process works in this
# instance's queue directory, as the master does.
master_pid() {
	local pid
	read -r pid 2>/dev/null <"$pf/queue/pid/master.pid" || return 1
	[ -n "$pid" ] && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$pf/queue" ] && echo "$pid"
}
# alive PGID: whether a process of that group is still alive (zombies aside).
alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
# stop_postfix: "postfix stop" (it waits up to 5 s for the master to exit), then
# up to 10 s more for the master's children; SIGKILL to the group if any lingers.
stop_postfix() {
	local pid
	pid=$(master_pid) || return 0
	postfix -c "$pf/etc" stop >>"$work/postfix.out" 2>&1
	for _ in $(seq 1 100); do
		alive "$pid" || return 0
		sleep 0.1
	done
	bad "postfix stop left processes of the master's group $pid running; killing them"
	kill -KILL -- "-$pid" 2>/dev/null
}
# harness.sh's cleanup on exit stops the instance first.
harness_extra_cleanup() { stop_postfix; }
trap 'exit 1' INT TERM HUP

# The certificates: a CA, a server certificate for localhost, one for another name.
# cert NAME: makes $work/NAME.pem and $work/NAME.key, for DNS:NAME, signed by the CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=smtpscope test CA" -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign -keyout "$work/ca.key" -out "$work/ca.pem" \
	>"$work/openssl.out" 2>&1 || bad "openssl could not make the CA: $(cat "$work/openssl.out")"
cert() {
	if openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$work/$1.key" -out "$work/$1.csr" >"$work/openssl.out" 2>&1 &&
		printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' \
			"$1" >"$work/$1.ext" &&
		openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
			-CAcreateserial -days 2 -extfile "$work/$1.ext" -out "$work/$1.pem" \
			>>"$work/openssl.out" 2>&1 &&
		openssl verify -CAfile "$work/ca.pem" -verify_hostname "$1" "$work/$1.pem" \
			>>"$work/openssl.out" 2>&1; then
		ok
	else
		bad "openssl could not make the certificate for $1: $(cat "$work/openssl.out")"
	fi
}
cert localhost
cert mx.wrong.test

# The instance's configuration: everything in $pf, nothing on a public address.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$master_cf" "$pf/etc/master.cf"
: >"$pf/etc/main.cf"
postconf -c "$pf/etc" -e \
	"compatibility_level = 3.6" \
	"queue_directory = $pf/queue" \
	"data_directory = $pf/data" \
	"inet_interfaces = 127.0.0.1" \
	"inet_protocols = ipv4" \
	"myhostname = localhost" \
	"mydomain = localdomain" \
	"mydestination =" \
	"mynetworks = 127.0.0.1/32" \
	"alias_maps =" \
	"alias_database =" \
	"smtpd_peername_lookup = no" \
	"smtpd_relay_restrictions = reject" \
	"smtpd_recipient_restrictions = reject" \
	"default_transport = error:smtpscope test instance, no delivery" \
	"relay_transport = error:smtpscope test instance, no delivery" \
	"local_transport = error:smtpscope test instance, no delivery" \
	"smtpd_tls_security_level = may" \
	"smtpd_tls_cert_file = $work/localhost.pem" \
	"smtpd_tls_key_file = $work/localhost.key" \
	"smtpd_tls_loglevel = 1" \
	"maillog_file = $pf/maillog" \
	"maillog_file_prefixes = $pf" >>"$work/postfix.out" 2>&1 ||
	bad "postconf main.cf: $(cat "$work/postfix.out")"
# master.cf: no chroot (the queue is not set up as one), and one inet service,
# smtpd on 127.0.0.1:$port, in place of every inet service of the stock file.
postconf -c "$pf/etc" -F '*/*/chroot = n' >>"$work/postfix.out" 2>&1 || bad "postconf -F"
for service in $(postconf -c "$pf/etc" -M | awk '$2 == "inet" { print $1 "/inet" }'); do
	postconf -c "$pf/etc" -MX "$service" >>"$work/postfix.out" 2>&1 || bad "postconf -MX $service"
done
postconf -c "$pf/etc" -M "127.0.0.1:$port/inet = 127.0.0.1:$port inet n - n - - smtpd" \
	>>"$work/postfix.out" 2>&1 || bad "postconf -M smtpd"
inet=$(postconf -c "$pf/etc" -M | awk '$2 == "inet" { $1 = $1; print }')
if [ "$inet" = "127.0.0.1:$port inet n - n - - smtpd" ]; then ok; else bad "master.cf inet services: $inet"; fi
if postfix -c "$pf/etc" check >>"$work/postfix.out" 2>&1; then ok; else bad "postfix check: $(cat "$work/postfix.out")"; fi

# start_postfix: starts the instance and waits (20 s at most) until the port answers.
# "postfix start" returns once the master listens (master -w). Every Postfix
# program that reads main.cf waits while the file is less than about 2 s old
# (it rereads it until it stops changing), so a start right after postconf -e
# takes 2 s more.
start_postfix() {
	local start up=""
	start=$(now_ms)
	if ! postfix -c "$pf/etc" start >>"$work/postfix.out" 2>&1; then
		bad "postfix start: $(cat "$work/postfix.out"; tail -20 "$pf/maillog" 2>/dev/null)"
		return 1
	fi
	for _ in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			up=1
			echo "postfix started on 127.0.0.1:$port in $(($(now_ms) - start)) ms"
			ok
			break
		fi
		sleep 0.1
	done
	if ! master_pid >/dev/null; then
		bad "postfix start: no master is running: $(tail -20 "$pf/maillog")"
		return 1
	fi
	[ -n "$up" ] && return 0
	bad "postfix did not accept connections on 127.0.0.1:$port within 20 s: $(tail -20 "$pf/maillog")"
	return 1
}

# check NAME WANT_RC [OPTIONS...] TARGET: check --json into $work/NAME.json
# (check_json of harness.sh); expect NAME judges it.
check() {
	local name=$1 want=$2
	shift 2
	check_json "$name" "$want" --timeout "$(slow 10)" --helo client.smtpscope.test "$@"
}

started=$(now_ms)
if start_postfix; then
	# 1. The right certificate, verified against the CA made here.
	check verified 0 --ca-file "$work/ca.pem" --tls-verify "localhost:$port"
	expect verified 'd["outcome"]["completed"]' 'd["summary"]["errors"] == 0' \
		'"starttls-before-greeting" not in ids' '"starttls-after-tls" not in ids' \
		'"tls-unverified" not in ids' 'all(seen.values()) and len(seen) >= 15' \
		'any(l["role"] == "banner" and "ESMTP Postfix" in l["text"] for l in d["lines"])' \
		'[l["role"] for l in d["lines"] if l["n"] == d["ehlo_line"]] == ["greeting"]' \
		'ehlo[0]["role"] == "greeting" and ehlo[0]["text"] == "250-localhost"' \
		'[l["text"] for l in ehlo].index("250-STARTTLS") >= 1' \
		'tls_ehlo and tls_ehlo[0]["role"] == "greeting" and tls_ehlo[-1]["text"].startswith("250 ")' \
		'not any("STARTTLS" in l["text"].upper() for l in tls_ehlo)' \
		'd["tls"]["established"]' 'd["tls"]["version"] == "TLSv1.3"' \
		'd["tls"]["verified"] is True' 'd["tls"]["verify_error"] is None' \
		'"CN=localhost" in d["tls"]["chain"][0]["subject"]' \
		'"CN=smtpscope test CA" in d["tls"]["chain"][0]["issuer"]' \
		'd["tls"]["chain"][0]["sans"] == "DNS:localhost"' \
		'd["lines"][-1]["text"].startswith("221")' \
		'not any(l["text"].upper().startswith(("MAIL", "RCPT", "DATA")) for l in d["lines"] if l["dir"] == "client")'

	# Postfix saw the same session: TLS 1.3, two EHLOs, no mail transaction.
	sleep 0.3
	if grep -q "TLS connection established from unknown\[127.0.0.1\]: TLSv1.3" "$pf/maillog"; then
		ok
	else
		bad "Postfix logged no TLS 1.3 session: $(tail -20 "$pf/maillog")"
	fi
	if grep -q "disconnect from unknown\[127.0.0.1\] ehlo=2 starttls=1 quit=1 commands=4" "$pf/maillog"; then
		ok
	else
		bad "Postfix logged another session: $(grep disconnect "$pf/maillog")"
	fi

	# 3. --starttls strict: Postfix puts STARTTLS after its domain, so it is sent.
	check strict 0 --starttls strict --ca-file "$work/ca.pem" --tls-verify "localhost:$port"
	expect strict 'd["tls"]["established"]' 'd["tls"]["verified"]' 'seen["postfix"]' \
		'any(l["dir"] == "client" and l["text"] == "STARTTLS" for l in d["lines"])'

	# The chain from a CA not given: established, not verified, says why.
	check untrusted 0 "localhost:$port"
	expect untrusted 'd["tls"]["established"]' 'not d["tls"]["verified"]' \
		'"the chain does not verify" in d["tls"]["verify_error"]' \
		'sev.get("tls-unverified") == ["warning"]'

	# 4. A transcript of the session, read back by lint.
	check transcript 0 --ca-file "$work/ca.pem" --tls-verify --transcript "$work/t.txt" \
		"localhost:$port"
	if "$bin" lint "$work/t.txt" >"$work/relint.txt" 2>&1; then
		ok
	else
		bad "lint of the transcript: exit $?: $(head -40 "$work/relint.txt")"
	fi
	"$bin" lint --json "$work/t.txt" >"$work/relint.json"
	if python3 - "$work/relint.json" "$work/transcript.json" <<'PY'; then ok; else bad "lint of the transcript differs from check"; fi
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
clients = lambda d: {k: v["starttls"] for k, v in d["clients"].items()}
sys.exit(0 if a["format"] == "transcript" and a["summary"]["errors"] == 0
         and clients(a) == clients(b) and all(clients(a).values()) else 1)
PY

	# 2. The wrong name: restarted with a certificate for mx.wrong.test.
	stop_postfix
	postconf -c "$pf/etc" -e "smtpd_tls_cert_file = $work/mx.wrong.test.pem" \
		"smtpd_tls_key_file = $work/mx.wrong.test.key" >>"$work/postfix.out" 2>&1 ||
		bad "postconf: the wrong certificate"
	if start_postfix; then
		check wrong-name 0 --ca-file "$work/ca.pem" "localhost:$port"
		expect wrong-name 'd["outcome"]["completed"]' 'd["tls"]["established"]' \
			'd["tls"]["verified"] is False' \
			'"does not match the host name localhost" in d["tls"]["verify_error"]' \
			'"chain does not verify" not in d["tls"]["verify_error"]' \
			'd["tls"]["chain"][0]["sans"] == "DNS:mx.wrong.test"' \
			'sev.get("tls-unverified") == ["warning"]' 'd["summary"]["errors"] == 0'
		check wrong-name-verify 1 --ca-file "$work/ca.pem" --tls-verify "localhost:$port"
		expect wrong-name-verify 'd["tls"]["verified"] is False' \
			'sev.get("tls-unverified") == ["error"]' 'd["summary"]["errors"] == 1'
		# The certificate's name sent as SNI changes nothing: the name checked is the host given.
		check wrong-name-sni 1 --ca-file "$work/ca.pem" --tls-verify --sni mx.wrong.test \
			"localhost:$port"
		expect wrong-name-sni 'd["tls"]["verified"] is False'
	fi
fi

# Stopped for good: no process of the master's group, the port closed.
pid=$(master_pid) || pid=""
stop_postfix
if [ -n "$pid" ] && ! alive "$pid"; then ok; else bad "the master (${pid:-none}) was not running, or is still running"; fi
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ok; else bad "127.0.0.1:$port still accepts connections"; fi
echo "postfix sessions took $(($(now_ms) - started)) ms in all"
[ "$fail" -eq 0 ] || { echo "--- the instance's log:"; tail -40 "$pf/maillog" 2>/dev/null; }

finish
