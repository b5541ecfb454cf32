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
	"$bin --helo tui.example 127.0.0.1:$port; sleep 60"
wait_for a "next: EHLO tui.example" && ok
# Edit the planned command: what is typed is what is sent.
tm send-keys -t a e C-a C-k "EHLO typed.example" Enter
wait_for a "250 SIZE 30000000" && ok
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
tm send-keys -t a ">" Space
wait_for a "TLS started" && ok
wait_for a "next: EHLO tui.example" && ok
tm send-keys -t a Space
wait_for a "next: QUIT" && ok
tm send-keys -t a Space
wait_for a "session closed" && ok
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
	grep -q "^tls EHLO tui.example" "$work/log.misordered"; then
	ok
else
	bad "the lab did not receive what was sent: $(cat "$work/log.misordered")"
fi
tm send-keys -t a q
sleep 0.3
if screen a | grep -qF "session closed"; then bad "q did not leave"; else ok; fi

# A hostile server cannot change the terminal: not its title, not its screen.
lab control-chars
tm new-session -d -s b -x 110 -y 34 "$bin --helo tui.example 127.0.0.1:$port; sleep 60"
title_before=$(tm display -p -t b '#{pane_title}')
wait_for b "next: EHLO" && ok
tm send-keys -t b Space
wait_for b "X-DEL" && ok
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
tm send-keys -t c Space
wait_for c "250 SIZE 30000000" && ok
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
tm new-session -d -s d -x 110 -y 34 "$bin replay $work/t.txt; sleep 60"
wait_for d "replay" && ok
if screen d | grep -qF "220 mail.domain1.com"; then bad "replay showed a line before a step"; else ok; fi
tm send-keys -t d Space Space Space
wait_for d "220 mail.domain1.com" && ok
if screen d | grep -qF "EHLO tui.example"; then bad "replay showed line 4 after 3 steps"; else ok; fi
tm send-keys -t d r
wait_for d "221 2.0.0 Bye" && ok
tm send-keys -t d q

# The line mode, for screen readers: the same annotations, a prompt per command.
lab misordered
printf '\n:NOOP\n\n\n\n' | timeout "$(slow 30)" "$bin" --plain --helo plain.example "127.0.0.1:$port" \
	>"$work/plain.out" 2>&1
if grep -q "misordered-starttls 250-STARTTLS" "$work/plain.out" &&
	grep -q "Clients that will not send STARTTLS after this EHLO reply: cisco-esa, postfix" \
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

# The status line's times: to the banner, the EHLO round trip (the lab
# pauses 1.5 s before its reply), the TLS handshake.
listen lab.pause "$bin" lab --once --port 0 "$2/data/lab/pause-ehlo.scn"
tm new-session -d -s ti -x 130 -y 30 "$bin --helo times.example 127.0.0.1:$port; sleep 60"
wait_for ti "next: EHLO times.example" && ok
if screen ti | head -n 1 | grep -Eq '\| banner [0-9]+ms +[0-9]{2}:[0-9]{2}'; then ok; else bad "no time to the banner: $(screen ti | head -n 1)"; fi
tm send-keys -t ti Space
wait_for ti "next: STARTTLS" && ok
if screen ti | head -n 1 | grep -Eq 'banner [0-9]+ms . EHLO 1[4-9][0-9]{2}ms'; then ok; else bad "no EHLO round trip of about 1.5 s: $(screen ti | head -n 1)"; fi
tm send-keys -t ti Space
wait_for ti "TLS started" && ok
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
