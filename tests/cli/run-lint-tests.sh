#!/usr/bin/env bash
# CLI tests of "smtpscope lint": the real binary on the files in
# tests/data/lint, outputs compared with the golden files beside them,
# exit codes and terminal safety checked.
#
# usage: run-lint-tests.sh SMTPSCOPE SOURCE_TESTS_DIR
# With UPDATE=1 the golden files are rewritten (review the diff!).
set -uo pipefail
bin=$(realpath "$1")
data=$2/data/lint
# shellcheck source=../tools/harness.sh
. "$2/tools/harness.sh"

# golden NAME SUFFIX ARGS...: output of lint ARGS compared with NAME.SUFFIX.
golden() {
	local name=$1 suffix=$2 rc
	shift 2
	(cd "$data" && "$bin" lint "$@" "$name.in") >"$work/$name.$suffix" 2>"$work/err"
	rc=$?
	echo "exit $rc" >>"$work/$name.$suffix"
	if [ "${UPDATE:-0}" = 1 ]; then cp "$work/$name.$suffix" "$data/$name.$suffix"; fi
	if diff -u "$data/$name.$suffix" "$work/$name.$suffix" >"$work/diff"; then
		ok
	else
		bad "$name.$suffix differs from the golden file"
		cat "$work/diff"
	fi
}

# The output must be valid UTF-8 (ours: the catalogue's "§") with no C0
# control but LF, no DEL and no C1 control: nothing a peer sent reaches the
# terminal raw.
no_raw_controls() {
	local what=$1 file=$2
	if python3 - "$file" <<'PY'; then ok; else bad "$what: a raw control byte reached the output"; fi
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
sys.exit(1 if re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text) else 0)
PY
}

# has PATTERN DESCRIPTION COMMAND...: the command's output contains PATTERN.
has() {
	local pattern=$1 what=$2
	shift 2
	"$@" >"$work/has" 2>&1
	if grep -qF -- "$pattern" "$work/has"; then ok; else bad "$what"; fi
}

for input in "$data"/*.in; do
	name=$(basename "$input" .in)
	golden "$name" txt --color=never
	golden "$name" json --json
	no_raw_controls "$name human output" "$work/$name.txt"
	no_raw_controls "$name JSON output" "$work/$name.json"
	if python3 -c 'import json,sys; s=open(sys.argv[1]).read(); json.loads(s[:s.rindex("exit")])' \
		"$work/$name.json"; then ok; else bad "$name.json is not valid JSON"; fi
done

# Colour: our SGR sequences only; the peer's escapes stay escaped.
"$bin" lint --color=always "$data/hostile.in" >"$work/color" 2>&1
sed -E 's/\x1b\[[0-9;]*m//g' "$work/color" >"$work/stripped"
if grep -q $'\x1b\\[' "$work/color"; then ok; else bad "--color=always wrote no colour"; fi
no_raw_controls "hostile input with --color=always" "$work/stripped"

# NO_COLOR and --color=auto on a real terminal (script(1) gives a pty).
if command -v script >/dev/null; then
	script -qec "$bin lint --color=auto $data/field-note-misordered.in" /dev/null >"$work/tty"
	if grep -q $'\x1b\\[' "$work/tty"; then ok; else bad "no colour on a terminal"; fi
	NO_COLOR=1 script -qec "$bin lint $data/field-note-misordered.in" /dev/null >"$work/tty"
	if grep -q $'\x1b\\[' "$work/tty"; then bad "NO_COLOR was ignored"; else ok; fi
fi

# Exit codes (expect_rc of harness.sh) and standard input.
expect_rc 1 "error findings" "$bin" lint "$data/field-note-misordered.in"
expect_rc 0 "no error finding" "$bin" lint "$data/field-note-correct.in"
expect_rc 66 "missing file" "$bin" lint "$work/no-such-file"
expect_rc 66 "a directory" "$bin" lint "$data"
expect_rc 64 "unknown option" "$bin" lint --frobnicate
expect_rc 64 "unknown format" "$bin" lint --format=pcap "$data/field-note-correct.in"
expect_rc 64 "bad --color" "$bin" lint --color=sometimes "$data/field-note-correct.in"
expect_rc 64 "two inputs" "$bin" lint "$data/field-note-correct.in" "$data/field-note-correct.in"
expect_rc 64 "unknown command" "$bin" frobnicate
expect_rc 64 "no command" "$bin"
expect_rc 0 "--help" "$bin" lint --help
expect_rc 0 "--version" "$bin" --version
# shellcheck disable=SC2016 # $1 and $2 are the inner sh's
has '"input":"<stdin>"' "reading standard input with -" \
	sh -c '"$1" lint --json - <"$2"' sh "$bin" "$data/field-note-misordered.in"
# shellcheck disable=SC2016 # $1 and $2 are the inner sh's
has '"postfix":{"starttls":false' "reading standard input without a file argument" \
	sh -c '"$1" lint --json <"$2"' sh "$bin" "$data/field-note-misordered.in"
has '"format":"raw"' "--format overrides detection" \
	"$bin" lint --format=raw --json "$data/swaks-misordered.in"
has '"lines":[],' "--summary leaves the lines out of the JSON" \
	"$bin" lint --summary --json "$data/field-note-misordered.in"
# A summary counts its lines without listing them: the same count as the listing's.
"$bin" lint --json "$data/field-note-misordered.in" >"$work/listed.json"
listed=$(grep -o '"summary":{"lines":[0-9]*' "$work/listed.json")
if [ -n "$listed" ]; then ok; else bad "the listing's JSON has no line count"; fi
has "$listed" "--summary counts the lines the listing shows" \
	"$bin" lint --summary --json "$data/field-note-misordered.in"
has "smtpscope lint: the input holds no lines." "--summary of an empty input says so" \
	"$bin" lint --summary /dev/null
"$bin" lint --summary "$data/field-note-misordered.in" >"$work/summary.txt"
if head -n 1 "$work/summary.txt" | grep -q '^smtpscope lint: .* format)$'; then ok; else
	bad "--summary does not open with its heading"
fi
"$bin" lint "$data/field-note-misordered.in" >/dev/full 2>"$work/err"
rc=$?
if [ "$rc" -eq 74 ]; then ok; else bad "write error: exit $rc, want 74"; fi

finish
