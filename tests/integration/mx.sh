#!/usr/bin/env bash
# Integration test of "smtpscope check --mx": MX look-ups through a DNS
# server the test starts on loopback (tests/tools/dns-server.py), hosts
# tried in preference order, the fallback to the domain itself, null MX,
# an answer too long for UDP asked again over TCP, and the words for a DNS
# server address where nothing listens.
#
# usage: mx.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
tools=$(realpath "$2")/tools
# shellcheck source=../tools/harness.sh
. "$tools/harness.sh"

# mx NAME WANT_RC DOMAIN: check --mx DOMAIN through the test's DNS server, into
# $work/NAME.json (check_json of harness.sh); expect NAME judges it.
mx() {
	check_json "$1" "$2" --timeout "$(slow 5)" -4 --resolver "127.0.0.1:$dns" --port "$lab" --mx "$3"
}

# served NAME WANT_RC DOMAIN: mx, with a new one-connection lab server (the
# scenario correct) on the port that check tries.
served() {
	listen "lab.$1" "$bin" lab --once --port 0 correct
	lab=$port
	mx "$@"
}

cat >"$work/zone" <<'ZONE'
example.test MX 20 mx2.example.test
example.test MX 10 mx1.example.test
mx1.example.test A 127.0.0.9
mx2.example.test A 127.0.0.1
nomx.test A 127.0.0.1
nullmx.test MX 0 .
ZONE
# 30 MX records of long names: over 512 bytes, so the UDP answer is truncated.
long=$(printf 'a%.0s' $(seq 1 50))
for i in $(seq 0 29); do
	printf 'big.test MX %d mx%02d-%s.big.test\n' $((10 + i)) "$i" "$long" >>"$work/zone"
done
echo "mx00-$long.big.test A 127.0.0.1" >>"$work/zone"
listen dns python3 "$tools/dns-server.py" "$work/zone"
dns=$port

# The preferred MX refuses (nothing listens on 127.0.0.9), the next one answers.
served ordered 0 example.test
expect ordered 'd["mx"] == "example.test"' \
	'notes.index("MX 10 mx1.example.test") < notes.index("MX 20 mx2.example.test")' \
	'any("127.0.0.9" in n and "refused" in n for n in notes)' \
	'any(n.startswith("connected to mx2.example.test") for n in notes)' \
	'd["address"].startswith("127.0.0.1:")' \
	'd["tls"]["established"]' '"mx2.example.test" in d["tls"]["verify_error"]'

# No MX record: the domain itself (RFC 5321 section 5.1).
served implicit 0 nomx.test
expect implicit 'any("no MX record" in n for n in notes)' \
	'any(n.startswith("connected to nomx.test") for n in notes)'

# A null MX: nothing is tried.
mx nullmx 2 nullmx.test
expect nullmx 'any("null MX" in n for n in notes)' 'not any(n.startswith("connecting") for n in notes)'

# No such domain.
mx nxdomain 2 nowhere.test
expect nxdomain 'any("no such domain" in n for n in notes)'

# The UDP answer is truncated (TC): asked again over TCP, all 30 records are read and the
# best one, a lab server, answers (RFC 7766 section 5).
served truncated 0 big.test
expect truncated '"the UDP answer was truncated: asked again over TCP, which gave 30 MX records" in notes' \
	'"30 MX records: only the best 16 are tried" in notes' \
	'[n for n in notes if n.startswith("MX ")] == ["MX 10 mx00-%s.big.test" % ("a" * 50)]' \
	'any(n.startswith("connected to mx00-") for n in notes)' 'd["outcome"]["completed"]'
if grep -qx "tcp big.test 15" "$work/listen.dns"; then ok; else bad "truncated: no MX question over TCP: $(cat "$work/listen.dns")"; fi

# A DNS server address where nothing listens: a sentence that names it and says what to do.
closed=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for what in "--mx example.test" "mx1.example.test"; do
	# shellcheck disable=SC2086 # the option and its value, or the target alone
	timeout "$(slow 60)" "$bin" check --timeout "$(slow 5)" -4 --resolver "127.0.0.1:$closed" $what \
		>"$work/closed.out" 2>"$work/closed.err"
	rc=$?
	case $what in
	--mx*) head="MX look-up for example.test failed" ;;
	*) head="cannot resolve mx1.example.test" ;;
	esac
	want="smtpscope check: could not complete: could not connect: $head: the DNS server 127.0.0.1:$closed cannot be reached: nothing listens on its port; check the address given with --resolver"
	if [ "$rc" -eq 2 ] && [ "$(cat "$work/closed.err")" = "$want" ]; then
		ok
	else
		bad "closed resolver ($what): exit $rc, said: $(cat "$work/closed.err")"
	fi
done

finish
