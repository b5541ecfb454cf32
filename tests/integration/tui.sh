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

finish
