#!/usr/bin/env bash
# Integration test of "smtpscope check --mx": MX look-ups through a DNS
# server the test starts on loopback (tests/tools/dns-server.py), hosts
# tried in preference order, the fallback to the domain itself, null MX.
#
# usage: mx.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
tools=$(realpath "$2")/tools
# shellcheck source=../tools/harness.sh
. "$tools/harness.sh"

# mx NAME WANT_RC DOMAIN: check --mx DOMAIN through the test's DNS server.
mx() {
	local name=$1 want=$2 rc
	timeout "$(slow 60)" "$bin" check --json --timeout "$(slow 5)" -4 --resolver "127.0.0.1:$dns" --port "$lab" \
		--mx "$3" >"$work/$name.json" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok; else bad "$name: exit $rc, want $want: $(cat "$work/$name.err")"; fi
}

# expect NAME PYTHON-EXPRESSION...: each holds for the JSON d and its notes.
expect() {
	local name=$1
	shift
	if python3 - "$work/$name.json" "$@" <<'PY'; then ok; else bad "$name: $(head -c 1500 "$work/$name.json")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
notes = [l["text"] for l in d["lines"] if l["dir"] == "info"]
failed = [e for e in sys.argv[2:] if not eval(e, {"d": d, "notes": notes})]
for e in failed:
    print("  does not hold:", e)
sys.exit(1 if failed else 0)
PY
}

cat >"$work/zone" <<'ZONE'
example.test MX 20 mx2.example.test
example.test MX 10 mx1.example.test
mx1.example.test A 127.0.0.9
mx2.example.test A 127.0.0.1
nomx.test A 127.0.0.1
nullmx.test MX 0 .
ZONE
listen dns python3 "$tools/dns-server.py" "$work/zone"
dns=$port

# The preferred MX refuses (nothing listens on 127.0.0.9), the next one answers.
listen lab1 "$bin" lab --once --port 0 correct
lab=$port
mx ordered 0 example.test
expect ordered 'd["mx"] == "example.test"' \
	'notes.index("MX 10 mx1.example.test") < notes.index("MX 20 mx2.example.test")' \
	'any("127.0.0.9" in n and "refused" in n for n in notes)' \
	'any(n.startswith("connected to mx2.example.test") for n in notes)' \
	'd["address"] == "127.0.0.1:%s" % sys.argv[0] if False else d["address"].startswith("127.0.0.1:")' \
	'd["tls"]["established"]' '"mx2.example.test" in d["tls"]["verify_error"]'

# No MX record: the domain itself (RFC 5321 section 5.1).
listen lab2 "$bin" lab --once --port 0 correct
lab=$port
mx implicit 0 nomx.test
expect implicit 'any("no MX record" in n for n in notes)' \
	'any(n.startswith("connected to nomx.test") for n in notes)'

# A null MX: nothing is tried.
mx nullmx 2 nullmx.test
expect nullmx 'any("null MX" in n for n in notes)' 'not any(n.startswith("connecting") for n in notes)'

# No such domain.
mx nxdomain 2 nowhere.test
expect nxdomain 'any("no such domain" in n for n in notes)'

finish
