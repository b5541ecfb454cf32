#!/usr/bin/env bash
# Transcripts that survive: "check" against a lab server whose EHLO reply
# dribbles, stopped by kill -9, SIGTERM and SIGINT in the middle of the
# reply; the files are read back by lint (text and JSON Lines) and by replay
# (in tmux). Existing files are never overwritten without --force; the
# inspector's w and its --transcript, and the line mode, are driven in tmux.
# Every server is started with --once and killed on exit; loopback only.
#
# usage: transcript.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
src=$2
# shellcheck source=../tools/harness.sh
. "$src/tools/harness.sh"
slow="$src/data/lab/slow-ehlo.scn"

# lab SCENARIO: a one-connection lab server; sets $port.
lab() {
	listen "lab.$RANDOM" "$bin" lab --once --port 0 "$1"
}

# wait_file FILE TEXT: until FILE holds TEXT (10 s at most).
wait_file() {
	for _ in $(seq 1 $((100 * slowdown))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	bad "$1 never held '$2': $(cat "$1" 2>/dev/null)"
	return 1
}

# last_line FILE: its last line, or "(no LF)" when it does not end with one.
last_line() {
	if [ -n "$(tail -c 1 "$1")" ]; then echo "(no LF)"; else tail -n 1 "$1"; fi
}

# interrupted NAME SIGNAL [SCENARIO TEXT]: a check stopped by SIGNAL in the
# middle of the EHLO reply (or once the transcript holds TEXT); leaves
# $work/NAME.txt, .jsonl, .out, .err and $rc.
interrupted() {
	local name=$1 sig=$2 pid
	lab "${3:-$slow}"
	"$bin" check --timeout 60 --helo cut.example --transcript "$work/$name.txt" \
		--transcript-json "$work/$name.jsonl" "127.0.0.1:$port" \
		>"$work/$name.out" 2>"$work/$name.err" &
	pid=$!
	wait_file "$work/$name.txt" "${4:-250-PIPELINING}" && ok
	sleep 1.5 # a byte or two of the next line has come: the client holds half a line
	kill "-$sig" "$pid"
	wait "$pid"
	rc=$?
}

# lint_back NAME FILE FORMAT LAST: lint --json reads FILE as FORMAT, its last
# line's text is LAST, and it holds every line of the file that is not a
# comment or a finding.
lint_back() {
	local name=$1 file=$2 format=$3 last=$4 lrc
	timeout "$(slow 30)" "$bin" lint --json "$file" >"$work/$name.lint.json" 2>"$work/$name.lint.err"
	lrc=$?
	if [ "$lrc" -le 1 ]; then ok; else bad "$name: lint exit $lrc: $(cat "$work/$name.lint.err")"; fi
	if python3 - "$work/$name.lint.json" "$file" "$format" "$last" <<'PY'; then ok; else bad "$name: lint read back $(tail -c 800 "$work/$name.lint.json")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
raw = open(sys.argv[2], "rb").read().split(b"\n")
whole = [l for l in raw[:-1] if l and not l.startswith(b"#") and b'"finding":' not in l
         and b'"end":true' not in l]
assert d["format"] == sys.argv[3], d["format"]
assert d["lines"][-1]["text"] == sys.argv[4], d["lines"][-1]
cut = raw[-1] != b""
assert len(d["lines"]) == len(whole) + cut, (len(d["lines"]), len(whole), cut)
if cut:
    assert "ends in the middle of line %d" % len(raw) in d["lines"][-1]["text"]
PY
}

# ---- kill -9: the files end with the last complete line, and read back.
interrupted kill9 KILL
if [ "$rc" -eq 137 ]; then ok; else bad "kill -9: exit $rc"; fi
if [ "$(last_line "$work/kill9.txt")" != "(no LF)" ] &&
	last_line "$work/kill9.txt" | grep -q ' <-  250-PIPELINING$' &&
	! grep -q "^# end" "$work/kill9.txt"; then
	ok
else
	bad "kill -9 left: $(tail -c 300 "$work/kill9.txt")"
fi
if last_line "$work/kill9.jsonl" | grep -qF '"text":"250-PIPELINING"'; then ok; else bad "kill -9 left in the JSONL: $(tail -c 300 "$work/kill9.jsonl")"; fi
lint_back kill9-text "$work/kill9.txt" transcript "250-PIPELINING"
lint_back kill9-jsonl "$work/kill9.jsonl" jsonl "250-PIPELINING"
# The same files cut in the middle of their last line, as a kill between two
# write(2)s of a longer line would leave them.
head -c "$(($(stat -c %s "$work/kill9.txt") - 9))" "$work/kill9.txt" >"$work/cut.txt"
head -c "$(($(stat -c %s "$work/kill9.jsonl") - 9))" "$work/kill9.jsonl" >"$work/cut.jsonl"
n=$(($(wc -l <"$work/cut.txt") + 1))
lint_back cut-text "$work/cut.txt" transcript \
	"the file ends in the middle of line $n (the writer was stopped?): that line is left out"
if grep -qF "ends in the middle of line $n" "$work/cut-text.lint.err"; then ok; else bad "lint says nothing of the cut: $(cat "$work/cut-text.lint.err")"; fi
n=$(($(wc -l <"$work/cut.jsonl") + 1))
lint_back cut-jsonl "$work/cut.jsonl" jsonl \
	"the file ends in the middle of line $n (the writer was stopped?): that line is left out"

# ---- SIGTERM and SIGINT: a note, the end mark, exit 128 + signal.
for pair in TERM:143 INT:130; do
	sig=${pair%%:*}
	want=${pair##*:}
	name=sig$sig
	interrupted "$name" "$sig"
	if [ "$rc" -eq "$want" ]; then ok; else bad "SIG$sig: exit $rc, want $want: $(cat "$work/$name.err")"; fi
	if tail -n 2 "$work/$name.txt" | head -n 1 | grep -q " === interrupted by SIG$sig$" &&
		last_line "$work/$name.txt" | grep -q "^# end 20" &&
		grep -q ' <-  250-PIPELINING$' "$work/$name.txt"; then
		ok
	else
		bad "SIG$sig: the transcript ends: $(tail -n 3 "$work/$name.txt")"
	fi
	if grep -qF '"dir":"info","tls":false,"role":"info","eol":null,"text":"interrupted by SIG'"$sig"'"' \
		"$work/$name.jsonl" && last_line "$work/$name.jsonl" | grep -q '"end":true}$'; then
		ok
	else
		bad "SIG$sig: the JSONL ends: $(tail -n 3 "$work/$name.jsonl")"
	fi
	if grep -q "interrupted by SIG$sig" "$work/$name.err" &&
		grep -q "Outcome: could not complete: interrupted by SIG$sig" "$work/$name.out"; then
		ok
	else
		bad "SIG$sig: stderr $(cat "$work/$name.err"), report $(tail -n 3 "$work/$name.out")"
	fi
	if [ "$(stat -c %a "$work/$name.txt")" = 600 ] && [ "$(stat -c %a "$work/$name.jsonl")" = 600 ]; then
		ok
	else
		bad "SIG$sig: modes $(stat -c %a "$work/$name.txt" "$work/$name.jsonl")"
	fi
	lint_back "$name-text" "$work/$name.txt" transcript "interrupted by SIG$sig"
	lint_back "$name-jsonl" "$work/$name.jsonl" jsonl "interrupted by SIG$sig"
done

# ---- SIGTERM in the TLS handshake: the interruption is still the last line.
interrupted handshake TERM "$src/data/lab/stall-tls.scn" "220 Ready to start TLS"
if [ "$rc" -eq 143 ] && tail -n 2 "$work/handshake.txt" | head -n 1 | grep -q " === interrupted by SIGTERM$" &&
	grep -q "Outcome: could not complete: interrupted by SIGTERM" "$work/handshake.out"; then
	ok
else
	bad "SIGTERM in the handshake: exit $rc, $(tail -n 3 "$work/handshake.txt")"
fi

# ---- Existing files: exit 73 and untouched without --force, replaced with it.
echo "keep me" >"$work/old.txt"
cp "$work/old.txt" "$work/old.copy"
ln -s "$work/old.txt" "$work/link.txt"
for opt in --transcript --transcript-json; do
	for file in old.txt link.txt; do
		lab correct
		"$bin" check --timeout "$(slow 5)" "$opt" "$work/$file" "127.0.0.1:$port" >/dev/null 2>"$work/exist.err"
		rc=$?
		if [ "$rc" -eq 73 ] && cmp -s "$work/old.txt" "$work/old.copy" &&
			grep -qF -- "--force" "$work/exist.err"; then
			ok
		else
			bad "$opt onto the existing $file: exit $rc, $(cat "$work/exist.err"), now $(head -c 100 "$work/old.txt")"
		fi
		kill "${pids[-1]}" 2>/dev/null
	done
done
# When the second file cannot be made, the first is not left behind.
"$bin" check --timeout "$(slow 5)" --transcript "$work/new.txt" --transcript-json "$work/old.txt" \
	127.0.0.1:1 >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 73 ] && [ ! -e "$work/new.txt" ] && cmp -s "$work/old.txt" "$work/old.copy"; then
	ok
else
	bad "--transcript-json onto a file: exit $rc, new.txt $(ls "$work/new.txt" 2>&1)"
fi
lab correct
"$bin" check --timeout "$(slow 5)" --force --transcript "$work/link.txt" "127.0.0.1:$port" >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -L "$work/link.txt" ] && cmp -s "$work/old.txt" "$work/old.copy" &&
	head -n 1 "$work/link.txt" | grep -qx "# smtpscope transcript 1" &&
	grep -q " <~  221 " "$work/link.txt"; then
	ok
else
	bad "--force onto a link: exit $rc; link target now $(head -c 100 "$work/old.txt")"
fi
lab correct
"$bin" check --timeout "$(slow 5)" --force --transcript "$work/old.txt" "127.0.0.1:$port" >/dev/null 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q " <~  221 " "$work/old.txt" && ! grep -q "keep me" "$work/old.txt" &&
	[ "$(stat -c %a "$work/old.txt")" = 600 ]; then
	ok
else
	bad "--force: exit $rc, $(head -c 200 "$work/old.txt")"
fi

# shellcheck source=../tools/tmux.sh
. "$2/tools/tmux.sh"
SCREEN_FLAGS=-J
need_tmux "the tmux part"

# run_in PANE DIR COMMAND...: runs COMMAND in a new tmux pane from DIR; its
# pid goes to DIR/pid, its exit status to the screen ("EXIT=N").
run_in() {
	local pane=$1 dir=$2
	shift 2
	rm -f "$dir/pid"
	tm new-session -d -s "$pane" -x 110 -y 34 -c "$dir" \
		"sh -c 'echo \$\$ >\"$dir/pid\"; exec $*'; echo EXIT=\$?; sleep 60"
	for _ in $(seq 1 $((50 * slowdown))); do
		[ -s "$dir/pid" ] && return 0
		sleep 0.1
	done
	bad "$pane did not start"
}

# ---- replay reads the files back: the one killed, the one cut mid-line.
run_in r1 "$work" "$bin" replay "$work/kill9.txt"
wait_for r1 "replay" && ok
tm send-keys -t r1 r
wait_for r1 "250-PIPELINING" && ok
tm send-keys -t r1 q
run_in r2 "$work" "$bin" replay "$work/cut.jsonl"
wait_for r2 "the file ends in the middle of line" && ok
tm send-keys -t r2 r
wait_for r2 "== the file ends in the middle of line" && ok
tm send-keys -t r2 q
wait_for r2 "EXIT=0" && ok
# SIGTERM closes replay too, with the terminal given back.
run_in r3 "$work" "$bin" replay "$work/kill9.txt"
wait_for r3 "replay" && ok
kill -TERM "$(cat "$work/pid")"
wait_for r3 "EXIT=143" && ok
if screen r3 | grep -qF "smtpscope replay: interrupted by SIGTERM" &&
	[ "$(tm display -p -t r3 '#{alternate_on}')" = 0 ]; then
	ok
else
	bad "after SIGTERM replay did not give the terminal back: alternate screen $(tm display -p -t r3 '#{alternate_on}')"
fi

# ---- The inspector: w never overwrites, and SIGTERM gives the terminal back.
mkdir -p "$work/w"
lab correct
run_in w "$work/w" "$bin" --helo w.example "127.0.0.1:$port"
wait_for w "next: EHLO w.example" && ok
# Every name w could pick in the next ten seconds exists already.
now=$(date +%s)
for s in $(seq 0 10); do
	echo "keep me" >"$work/w/smtpscope-$(date -d "@$((now + s))" +%Y%m%d-%H%M%S).txt"
done
tm send-keys -t w w
wait_for w "transcript written to (and goes on, line by line) smtpscope-" && ok
made=""
for f in "$work/w"/smtpscope-*-2.txt; do [ -e "$f" ] && made=${f##*/}; done
if [ "$(grep -l "keep me" "$work/w"/smtpscope-*.txt | wc -l)" -eq 11 ] && [ -n "$made" ] &&
	grep -q " <-  220 mail-esa.com" "$work/w/$made"; then
	ok
else
	bad "w: $(ls -l "$work/w")"
fi
# From then on each line goes to the file as it happens.
tm send-keys -t w Space
wait_file "$work/w/$made" " <-  250 STARTTLS" && ok
kill -TERM "$(cat "$work/w/pid")"
wait_for w "EXIT=143" && ok
if screen w | grep -qF "smtpscope: interrupted by SIGTERM" &&
	[ "$(tm display -p -t w '#{alternate_on}')" = 0 ]; then
	ok
else
	bad "after SIGTERM the terminal is not given back: alternate screen $(tm display -p -t w '#{alternate_on}')"
fi
if tail -n 2 "$work/w/$made" | head -n 1 | grep -q " === interrupted by SIGTERM$" &&
	last_line "$work/w/$made" | grep -q "^# end "; then
	ok
else
	bad "the inspector's transcript ends: $(tail -n 3 "$work/w/$made")"
fi

# ---- The inspector with --transcript: written from the first line; SIGINT.
lab correct
echo "keep me" >"$work/w/live.txt"
"$bin" --transcript "$work/w/live.txt" --helo w.example "127.0.0.1:$port" >/dev/null 2>"$work/live.err" </dev/null
rc=$?
if [ "$rc" -eq 73 ] && grep -q "keep me" "$work/w/live.txt"; then ok; else bad "inspector --transcript onto a file: exit $rc"; fi
kill "${pids[-1]}" 2>/dev/null
lab correct
rm -f "$work/w/live.txt"
run_in i "$work/w" "$bin" --transcript "$work/w/live.txt" --helo w.example "127.0.0.1:$port"
wait_for i "next: EHLO w.example" && ok
if grep -q " <-  220 mail-esa.com" "$work/w/live.txt"; then ok; else bad "--transcript: the banner is not in the file before any key"; fi
kill -INT "$(cat "$work/w/pid")"
wait_for i "EXIT=130" && ok
if tail -n 2 "$work/w/live.txt" | head -n 1 | grep -q " === interrupted by SIGINT$"; then ok; else bad "the inspector's --transcript ends: $(tail -n 3 "$work/w/live.txt")"; fi

# Ctrl-C in the inspector is SIGINT: the same end.
lab correct
run_in k "$work/w" "$bin" --transcript "$work/w/ctrl-c.txt" --helo w.example "127.0.0.1:$port"
wait_for k "next: EHLO w.example" && ok
tm send-keys -t k C-c
wait_for k "EXIT=130" && ok
if tail -n 2 "$work/w/ctrl-c.txt" | head -n 1 | grep -q " === interrupted by SIGINT$"; then ok; else bad "Ctrl-C: the transcript ends: $(tail -n 3 "$work/w/ctrl-c.txt")"; fi

# ---- The line mode: SIGTERM at the prompt.
lab correct
run_in p "$work/w" "$bin" --plain --transcript "$work/w/plain.txt" --helo w.example "127.0.0.1:$port"
wait_for p "smtpscope>" && ok
kill -TERM "$(cat "$work/w/pid")"
wait_for p "EXIT=143" && ok
if tail -n 2 "$work/w/plain.txt" | head -n 1 | grep -q " === interrupted by SIGTERM$" &&
	last_line "$work/w/plain.txt" | grep -q "^# end "; then
	ok
else
	bad "the line mode's transcript ends: $(tail -n 3 "$work/w/plain.txt")"
fi

finish
