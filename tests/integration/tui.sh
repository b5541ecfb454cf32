#!/usr/bin/env bash
# End-to-end tests of the inspector in a real terminal: tmux runs it against
# the lab server on loopback, keys go in with send-keys and the screen comes
# back with capture-pane (-e keeps the colours).
#
# usage: tui.sh SMTPSCOPE TESTS_SOURCE_DIR TESTS_BINARY_DIR
set -uo pipefail
bin=$(realpath "$1")
# shellcheck source=../tools/harness.sh
. "$2/tools/harness.sh"
# shellcheck source=../tools/tmux.sh
. "$2/tools/tmux.sh"
need_tmux "the whole test"

# lab SCENARIO: a one-connection lab server with a log; sets $port.
lab() {
	listen "lab.$1" "$bin" lab --once --port 0 --log "$work/log.$1" "$1"
}

# The SGR parameters in force where TEXT starts on the screen with colours
# (its first line on the screen, or with a third argument its last).
sgr_of() {
	colours "$1" | python3 -c '
import re, sys
text, last = sys.argv[1], len(sys.argv) > 2
found = None
for line in sys.stdin.read().split("\n"):
    i = line.find(text)
    if i >= 0:
        codes = re.findall("\x1b\\[([0-9;]*)m", line[:i])
        found = codes[-1] if codes else ""
        if not last:
            break
print(found if found is not None else "")
' "$2" ${3:+last}
}

# The field case, stepped through by hand.
lab misordered
tm new-session -d -s a -x 110 -y 34 \
	"$bin --helo tui.example 127.0.0.1:$port; echo EXIT=\$?; sleep 60"
wait_for a "next: EHLO tui.example" && ok
# Edit the planned command: what is typed is what is sent.
press a e C-a C-k "EHLO typed.example" Enter "250 SIZE 30000000"
wait_for a "will not send it" && ok
if screen a | grep -qF "postfix"; then ok; else bad "the STARTTLS pause does not name postfix"; fi

# The misordered line is drawn in another colour than an ehlo-line.
misordered=$(sgr_of a "250-STARTTLS")
ehlo_line=$(sgr_of a "250-8BITMIME")
if [ -n "$misordered" ] && [ "$misordered" != "$ehlo_line" ]; then
	ok
else
	bad "250-STARTTLS ($misordered) is not coloured apart from 250-8BITMIME ($ehlo_line)"
fi

# Selecting it names the production in the grammar panel.
found=no
for _ in $(seq 1 12); do
	if screen a | grep -qF "holding the keyword STARTTLS"; then
		found=yes
		break
	fi
	tm send-keys -t a Up
	sleep 0.1
done
if [ "$found" = yes ]; then ok; else bad "the grammar panel never named the production of line 1"; fi

# Back to the end of the conversation, then send STARTTLS, EHLO inside TLS, QUIT.
press a ">" Space "TLS started"
# Issue 11: the name edited into the first EHLO is the name of the EHLO inside TLS,
# and ":set helo" changes it for the rest of the session.
wait_for a "next: EHLO typed.example" && ok
press a : "set helo set.example" Enter "next: EHLO set.example"
press a Space "next: QUIT"
press a Space "session closed"
# Inside TLS the reply is well ordered: its first line is a greeting, drawn
# apart from the misordered line of the plaintext reply.
greeting=$(sgr_of a "250-mail.domain1.com" last)
echo "  colours: misordered [$misordered] ehlo-line [$ehlo_line] greeting [$greeting]"
if [ -n "$greeting" ] && [ "$greeting" != "$misordered" ]; then
	ok
else
	bad "the greeting line ($greeting) is not coloured apart from 250-STARTTLS ($misordered)"
fi
sleep 0.3
if grep -q "^plain EHLO typed.example" "$work/log.misordered" &&
	grep -q "^plain STARTTLS" "$work/log.misordered" &&
	grep -q "^tls EHLO set.example" "$work/log.misordered"; then
	ok
else
	bad "the lab did not receive what was sent: $(cat "$work/log.misordered")"
fi
tm send-keys -t a q
sleep 0.3
if screen a | grep -qF "session closed"; then bad "q did not leave"; else ok; fi
# Issue 11: error-level findings (the field case's) make the exit status 1.
wait_for a "EXIT=1" && ok

# A hostile server cannot change the terminal: not its title, not its screen.
lab control-chars
tm new-session -d -s b -x 110 -y 34 "$bin --helo tui.example 127.0.0.1:$port; sleep 60"
title_before=$(tm display -p -t b '#{pane_title}')
wait_for b "next: EHLO" && ok
press b Space "X-DEL"
title_after=$(tm display -p -t b '#{pane_title}')
if [ "$title_before" = "$title_after" ] && ! echo "$title_after" | grep -q "title"; then
	ok
else
	bad "the pane title changed from '$title_before' to '$title_after'"
fi
if screen b | grep -qF '^[]0;owned title^G'; then ok; else bad "the OSC sequence is not shown escaped"; fi
tm send-keys -t b q y
sleep 0.3

# NO_COLOR: attributes, no colours.
lab misordered
tm new-session -d -s c -x 110 -y 34 "NO_COLOR=1 $bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for c "next: EHLO" && ok
press c Space "250 SIZE 30000000"
if colours c | grep -qE $'\x1b\\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)[0-9;]*m'; then
	bad "NO_COLOR still draws colours"
else
	ok
fi
if [ -n "$(sgr_of c "250-STARTTLS")" ]; then ok; else bad "NO_COLOR: the misordered line has no attribute"; fi
tm send-keys -t c q y

# Replay: a saved transcript, stepped through line by line.
lab misordered
"$bin" check --timeout "$(slow 5)" --helo tui.example --transcript "$work/t.txt" "127.0.0.1:$port" \
	>/dev/null 2>&1
tm new-session -d -s d -x 110 -y 34 "$bin replay $work/t.txt; echo EXIT=\$?; sleep 60"
wait_for d "replay" && ok
if screen d | grep -qF "220 mail.domain1.com"; then bad "replay showed a line before a step"; else ok; fi
press d Space Space Space "220 mail.domain1.com"
if screen d | grep -qF "EHLO tui.example"; then bad "replay showed line 4 after 3 steps"; else ok; fi
press d r "221 2.0.0 Bye"
small=$(sed -n 's/.*replay [0-9]*\/\([0-9]*\).*/\1/p' <<<"$(screen d)" | head -1)
tm send-keys -t d q
# Issue 11: the field case has error-level findings, so replay exits 1, as --help says.
wait_for d "EXIT=1" && ok

# Issue 11: a large transcript (16,384 copies of that one) opens at once and is
# counted in the background; its total is every line, and r reaches the last.
cp "$work/t.txt" "$work/big.txt"
for _ in $(seq 14); do cat "$work/big.txt" "$work/big.txt" >"$work/big2.txt"; mv "$work/big2.txt" "$work/big.txt"; done
tm new-session -d -s db -x 110 -y 34 "$bin replay $work/big.txt; echo EXIT=\$?; sleep 60"
wait_for db "replay 0/$((small * 16384))" && ok
press db Space "== connecting to 127.0.0.1"
press db r "replay $((small * 16384))/$((small * 16384))"
if screen db | grep -qF "(reading)"; then bad "the total was not the whole file's"; else ok; fi
# Every line stays reachable: the window of lines in memory moves back to the
# first (line 3, after the two header lines), and a search wraps through the file.
tm send-keys -t db g
wait_row db '^>[0-9:. ]+ 3 == connecting to 127' && ok
tm send-keys -t db / "SIZE 30000000" Enter
wait_row db '^>[0-9:. +s]+ 13 <- 250 SIZE' && ok
press db N "Search wrapped to the bottom: line $(($(wc -l <"$work/big.txt") - 3))"
tm send-keys -t db G g
wait_row db '^>[0-9:. ]+ 3 == connecting to 127' && ok
# And the memory stays bounded (not under ASan or valgrind, which add their own).
if [ -z "${ASAN_OPTIONS:-}" ] && [ "$(basename "$bin")" = smtpscope ]; then
	pid=$(pgrep -P "$(tm list-panes -t db -F '#{pane_pid}')" -f "replay $work/big.txt")
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	if [ "${hwm:-99999}" -le 32768 ]; then ok; else bad "replay peaked at ${hwm:-?} KiB (limit 32 MiB)"; fi
fi
press db q "EXIT=1"

# Issue 11: a server that refuses at its banner and hangs up. No key may
# abort; the screen says closed, and why, and offers no command.
listen lab.throttle "$bin" lab --port 0 throttle-421
tm new-session -d -s h -x 110 -y 34 "$bin 127.0.0.1:$port; echo EXIT=\$?; sleep 60"
wait_for h "closed: refused (reply 421)" && ok
wait_for h "then closed the connection" && ok
tm send-keys -t h Space e Enter r s n
sleep "$(slow 1)"
if screen h | grep -qF "next:"; then
	bad "a closed session still offers a command: $(screen h)"
elif screen h | grep -q "EXIT="; then
	bad "a key ended the inspector after the hang-up: $(screen h)"
else
	ok
fi
# R: a new session to the same target, below the old one, its lines numbered on.
wait_for h "R reconnect" && ok
press h R "=== reconnecting to 127.0.0.1:$port: a new session ==="
for _ in $(seq 1 $((20 * slowdown))); do
	[ "$(screen h | grep -c '<- 421 4.7.0')" -ge 2 ] && break
	sleep 0.1
done
if [ "$(screen h | grep -c '<- 421 4.7.0')" -eq 2 ] && screen h | grep -qE '^ *[0-9:.]* +[6-9] <- 421'; then
	ok
else
	bad "R did not open a second session below the first: $(screen h)"
fi
press h q "EXIT=2"

# After R the client matrix names the new session's lines, numbered on, not
# the first session's.
listen lab.twice "$bin" lab --port 0 misordered
tm new-session -d -s rn -x 110 -y 40 "$bin --helo tui.example 127.0.0.1:$port; echo EXIT=\$?; sleep 60"
wait_for rn "next: EHLO" && ok
press rn Space "in the EHLO reply that starts at line"
first=$(screen rn | sed -n 's/.*in the EHLO reply that starts at line \([0-9]*\).*/\1/p' | head -1)
press rn r "R reconnect"
bye=$(screen rn | sed -n 's/.* \([0-9][0-9]*\) <~ 221 2\.0\.0 Bye.*/\1/p' | head -1)
press rn R "a new session ==="
wait_for rn "next: EHLO" && ok
press rn Space "next: STARTTLS"
second=$(screen rn | sed -n 's/.*in the EHLO reply that starts at line \([0-9]*\).*/\1/p' | head -1)
if [ -n "$first" ] && [ -n "$bye" ] && [ -n "$second" ] && [ "$second" -gt "$bye" ]; then
	ok
else
	bad "after R the matrix points at line ${second:-?}, in the first session (its EHLO reply at ${first:-?}, its end at ${bye:-?}): $(screen rn)"
fi
wait_for rn "STARTTLS is on line 1 of the EHLO reply, where the domain belongs" && ok
tm send-keys -t rn q y

# click PANE X Y: a press and a release of the left button at column X, row Y
# (from 1), as an xterm in mode 1000 (X10 encoding) writes them; wheel PANE
# up|down X Y: one step of the wheel. tmux passes the bytes to the inspector.
x10() {
	python3 -c 'import sys; print("\033[M" + "".join(chr(32 + int(a)) for a in sys.argv[2:]), end="")' \
		"$@"
}
click() { tm send-keys -t "$1" -l "$(x10 "$1" 0 "$2" "$3")$(x10 "$1" 3 "$2" "$3")"; }
wheel() { tm send-keys -t "$1" -l "$(x10 "$1" "$([ "$2" = up ] && echo 64 || echo 65)" "$3" "$4")"; }

# The keys a less or tig user presses by habit send nothing (^G cancels the
# prompts of / and &: ^C would be SIGINT before the prompt turns raw mode on).
rm -f "$work/log.misordered"
lab misordered
tm new-session -d -s e -x 110 -y 34 "$bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for e "next: EHLO tui.example" && ok
tm send-keys -t e n N g G j k Home End PgUp PgDn / C-g "&" C-g o o c c
sleep 0.5
if grep -q "^plain EHLO" "$work/log.misordered"; then
	bad "a navigation key sent the EHLO: $(cat "$work/log.misordered")"
else
	ok
fi
if screen e | grep -qF "next: EHLO tui.example"; then ok; else bad "the EHLO is no longer planned"; fi
press e Space "250 SIZE 30000000"
# The mouse: ncurses turned it on; a click selects the row under it.
if [ "$(tm display -p -t e '#{mouse_any_flag}')" = 1 ]; then ok; else bad "the inspector did not turn the mouse on"; fi
row=$(screen e | grep -nF -- "<- 250-STARTTLS" | head -1 | cut -d: -f1)
click e 30 "$row"
wait_for e "holding the keyword STARTTLS" && ok
# The wheel scrolls the conversation: the first line comes into view.
wheel e up 30 3
wheel e up 30 3
wait_for e "1 == connecting to" && ok
# Not on the last line: the lines that come are announced, End follows them again.
press e Space "new lines below (End)"
press e End "next: EHLO tui.example"
# The inspector reads End only once the TLS handshake is over (it blocks in
# it): the footer may still show for a moment, then End must take it away.
for _ in $(seq 1 $((30 * slowdown))); do
	screen e | grep -qF "new lines below" || break
	sleep 0.1
done
if screen e | grep -qF "new lines below"; then bad "End did not follow the new lines"; else ok; fi
tm send-keys -t e q y
sleep 0.3

# --no-mouse leaves the mouse to the terminal.
lab misordered
tm new-session -d -s f -x 110 -y 34 "$bin --no-mouse --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for f "next: EHLO tui.example" && ok
if [ "$(tm display -p -t f '#{mouse_any_flag}')" = 0 ]; then ok; else bad "--no-mouse still turned the mouse on"; fi
tm send-keys -t f q y

# Issue 11: the next command waited longer than --idle-warn: a warning before the
# server drops the session; :noop keeps it alive.
lab misordered
tm new-session -d -s i -x 110 -y 34 "$bin --idle-warn 1 --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for i "next: EHLO tui.example" && ok
wait_for i "many servers drop a session after 300 s" && ok
press i : noop Enter "<- 250"
if grep -qi "^plain noop" "$work/log.misordered"; then ok; else bad "':noop' sent no NOOP: $(cat "$work/log.misordered")"; fi
tm kill-session -t i

# The line mode, for screen readers: the same annotations, a prompt per command.
lab misordered
printf '\n:NOOP\n\n\n\n' | timeout "$(slow 30)" "$bin" --plain --helo plain.example "127.0.0.1:$port" \
	>"$work/plain.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ]; then ok; else bad "--plain on the field case exits $rc, want 1 (error-level findings)"; fi
if grep -q "misordered-starttls 250-STARTTLS" "$work/plain.out" &&
	grep -q "Clients that will not send STARTTLS after this EHLO reply: cisco-esa (plaintext), postfix (plaintext)" \
		"$work/plain.out" &&
	grep -q "command             NOOP" "$work/plain.out" &&
	grep -q "Findings: 2 error" "$work/plain.out"; then
	ok
else
	bad "the line mode: $(head -c 3000 "$work/plain.out")"
fi
sleep 0.3
if grep -q "^plain NOOP" "$work/log.misordered" && grep -q "^tls QUIT" "$work/log.misordered"; then
	ok
else
	bad "the line mode did not send NOOP then go on to QUIT: $(cat "$work/log.misordered")"
fi

# Issue 11: the raw view (x) and the certificate view (C), against a lab that
# serves TLS and injects plaintext after its 220 to STARTTLS. One lab serves
# both the inspector and check, so the certificate is the same.
listen lab.views "$bin" lab --port 0 injection
"$bin" check --timeout "$(slow 5)" "127.0.0.1:$port" >"$work/views.check" 2>&1
subject=$(sed -n 's/^  0 subject  //p' "$work/views.check")
sha256=$(sed -n 's/^    sha256   //p' "$work/views.check")
if [ -n "$subject" ] && [ -n "$sha256" ]; then ok; else bad "check printed no certificate: $(cat "$work/views.check")"; fi
tm new-session -d -s v -x 120 -y 40 "LC_ALL=C.UTF-8 $bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for v "next: EHLO" && ok
press v C "No certificate yet: the session is in plaintext."
# The banner (the last line, selected) ends in CR LF.
press v q ">" x "220 mx.injection.example ESMTP␍␊"
wait_for v "0000  32 32 30 20 6d 78 2e 69 6e 6a 65 63 74 69 6f 6e  220 mx.injection" && ok
press v x Space "next: STARTTLS"
press v Space "TLS started"
press v x "Discarded after the 220 to STARTTLS: 14 bytes of plaintext:"
wait_for v "250 injected␍␊" && ok
press v Escape C "TLS: TLSv1"
wait_for v "0 subject  $subject" && ok
wait_for v "sha256   $sha256" && ok
tm send-keys -t v q q y

# Issue 11: the compare view (D) against the auth lab, whose EHLO reply inside
# TLS adds AUTH and 8BITMIME and drops STARTTLS. Before each reply it says
# what to press; once both came, one row per keyword with its verdict.
lab auth
tm new-session -d -s cmp -x 120 -y 40 "LC_ALL=C.UTF-8 $bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for cmp "next: EHLO tui.example" && ok
press cmp D "No EHLO reply yet: press Space to send the EHLO"
press cmp q Space "next: STARTTLS"
press cmp D "No EHLO reply inside TLS yet: press Space to go on to STARTTLS and the EHLO inside TLS."
press cmp Escape Space "TLS started"
wait_for cmp "next: EHLO tui.example" && ok
tm send-keys -t cmp Space
wait_row cmp '<~ 250 8BITMIME' && ok
press cmp D "4 keywords: 1 same, 0 params differ, 1 only before TLS, 2 only inside TLS."
wait_row cmp '\| Domain +mx\.auth\.example +mx\.auth\.example +same +\|' && ok
wait_row cmp '\| PIPELINING +offered +offered +same +\|' && ok
wait_row cmp '\| STARTTLS +offered +- +only before TLS +\|' && ok
wait_row cmp 'gone inside TLS, as RFC 3207 §4.2 requires' && ok
wait_row cmp '\| AUTH +- +PLAIN LOGIN CRAM-MD5 XOAUTH2 +only inside TLS +\|' && ok
wait_row cmp '\| 8BITMIME +- +offered +only inside TLS +\|' && ok
# The keywords inside TLS only come after those of the reply before TLS.
order=$(screen cmp | grep -oE '^ *\| (Domain|PIPELINING|STARTTLS|AUTH|8BITMIME) ' | tr -d ' |' | tr '\n' ' ')
if [ "$order" = "Domain PIPELINING STARTTLS AUTH 8BITMIME " ]; then ok; else bad "the rows come in the order '$order'"; fi
tm send-keys -t cmp D
sleep 0.3
if screen cmp | grep -qF "EHLO before and inside TLS"; then bad "D did not close the compare view"; else ok; fi
tm send-keys -t cmp q y

# A line ended by a bare LF shows ␊ alone.
lab bare-lf
tm new-session -d -s w -x 110 -y 34 "LC_ALL=C.UTF-8 $bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for w "next: EHLO" && ok
press w x "220 mx.bare-lf.example ESMTP␊"
wait_for w "line end: a bare LF (as received)" && ok
if screen w | grep -qF "␍"; then bad "the raw view shows a CR the server did not send"; else ok; fi
tm send-keys -t w q q y

# :explain in the line mode: the finding's section of docs/findings.md, as
# the doc has it, and nothing sent to the server for it.
lab misordered
printf ':explain starttls-before-greeting\n:explain no-such-id\nq\n' |
	timeout "$(slow 30)" "$bin" --plain "127.0.0.1:$port" >"$work/explain.out" 2>&1
if python3 - "$2/../docs/findings.md" "$work/explain.out" <<'PY'; then ok; else bad "the line mode's :explain: $(head -c 3000 "$work/explain.out")"; fi
import re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
out = open(sys.argv[2], encoding="utf-8").read()
section = re.search(r"^## `starttls-before-greeting`\n.*?(?=^#)", doc, re.S | re.M).group(0)
sys.exit(0 if section.strip() + "\n" in out and 'no finding "no-such-id"; the ids: starttls-before-greeting' in out else 1)
PY
sleep 0.3
if grep -qi "explain" "$work/log.misordered"; then bad ":explain reached the server"; else ok; fi

# The status line's times: to the banner, the EHLO round trip (the lab
# pauses 1.5 s before its reply), the TLS handshake.
listen lab.pause "$bin" lab --once --port 0 "$2/data/lab/pause-ehlo.scn"
tm new-session -d -s ti -x 130 -y 30 "$bin --helo times.example 127.0.0.1:$port; sleep 60"
wait_for ti "next: EHLO times.example" && ok
if screen ti | head -n 1 | grep -Eq '\| banner [0-9]+ms +[0-9]{2}:[0-9]{2}'; then ok; else bad "no time to the banner: $(screen ti | head -n 1)"; fi
press ti Space "next: STARTTLS"
if screen ti | head -n 1 | grep -Eq 'banner [0-9]+ms . EHLO 1[4-9][0-9]{2}ms'; then ok; else bad "no EHLO round trip of about 1.5 s: $(screen ti | head -n 1)"; fi
press ti Space "TLS started"
wait_for ti "next: EHLO times.example" && ok
if screen ti | head -n 1 | grep -Eq 'EHLO 1[4-9][0-9]{2}ms . TLS [0-9]+ms'; then ok; else bad "no TLS handshake time: $(screen ti | head -n 1)"; fi
tm send-keys -t ti q y

# A slow reply is visible as it comes: the lab dribbles its banner at one
# byte per 200 ms; its bytes so far stand on a provisional row, replaced by
# the line once it ends.
lab slow
tm new-session -d -s pa -x 110 -y 30 "$bin --helo slow.example 127.0.0.1:$port; sleep 60"
wait_for pa "(partial, " && ok
if screen pa | grep -Eq '<- 2[0-9 a-z]* +\(partial, [0-9]+ bytes?, [0-9.]+ s\)' &&
	! screen pa | grep -qF "3 <- 220 slow"; then
	ok
else
	bad "no provisional row before the banner ended: $(screen pa | head -n 5)"
fi
wait_for pa "3 <- 220 slow" && ok
if screen pa | grep -qF "(partial"; then bad "the provisional row stayed after the line ended: $(screen pa | head -n 6)"; else ok; fi
tm send-keys -t pa q y

finish
