#!/usr/bin/env bash
# Regenerates the screenshots of the inspector in screenshots/*.png from the
# real terminal: the lab server plays a scenario on loopback (127.0.0.1, a free
# port), the inspector runs against it inside a detached tmux session of a fixed
# size, keys go in with send-keys, the screen comes back with colours from
# capture-pane -e, scripts/ansi2html.py makes it an HTML page and headless
# Chromium renders that page to PNG. Nothing leaves the machine but the
# apt-get that installs what is missing.
#
# usage: scripts/screenshots.sh [--check] [OUTDIR]
#   OUTDIR   where the PNGs go (default: screenshots/ in the project)
#   --check  only tell whether the tools, fonts and binary are there
#
# Needs tmux, python3, chromium, the fonts DejaVu Sans Mono and FreeMono (the
# packages: scripts/install-deps --screenshots --print) and a built smtpscope
# (cmake --build build), or SMTPSCOPE=PATH. CHROMIUM=PATH picks another
# Chromium. When a package is missing and the script runs as root on a
# machine with apt-get, it installs them (scripts/install-deps --screenshots);
# otherwise it says what to install.
#
# Each shot waits until the screen shows what it is about (10 s at most,
# SHOTS_TIMEOUT=SECONDS) and until the screen stops changing.
#
# Exit status: 0 every PNG written; 1 a screen never showed what it should, or
# Chromium failed (the screen or Chromium's log is printed); 64 usage error;
# 69 a tool, a font or the binary is missing and was not installed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${SMTPSCOPE:-$root/build/smtpscope}
helo=client.example
timeout=${SHOTS_TIMEOUT:-10}
usage="usage: scripts/screenshots.sh [--check] [OUTDIR]"

check=0 dir=''
for arg in "$@"; do
	case $arg in
	--check) check=1 ;;
	-h | --help)
		echo "$usage"
		exit 0
		;;
	-*)
		echo "$usage" >&2
		exit 64
		;;
	*)
		[ -z "$dir" ] || {
			echo "$usage" >&2
			exit 64
		}
		dir=$arg
		;;
	esac
done

find_chromium() {
	chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo chromium)}
}

# have_font FAMILY FILE: fontconfig knows FAMILY (or, without fc-list, FILE
# is in a font folder).
have_font() {
	if command -v fc-list >/dev/null 2>&1; then
		fc-list -q "$1"
	else
		[ -n "$(find /usr/share/fonts /usr/local/share/fonts "$HOME/.local/share/fonts" \
			-name "$2" -print -quit 2>/dev/null)" ]
	fi
}

# missing: prints what is missing, one per line.
missing() {
	local tool
	find_chromium
	for tool in tmux python3 "$chromium"; do
		command -v "$tool" >/dev/null 2>&1 || echo "$tool"
	done
	have_font "DejaVu Sans Mono" DejaVuSansMono.ttf || echo "the font DejaVu Sans Mono"
	have_font FreeMono FreeMono.ttf || echo "the font FreeMono"
}

lacking=$(missing)
if [ -n "$lacking" ] && [ "$check" = 0 ] && [ "$(id -u)" -eq 0 ] &&
	command -v apt-get >/dev/null 2>&1; then
	echo "screenshots.sh: installing what is missing: $(echo "$lacking" | paste -sd, -)" >&2
	"$root/scripts/install-deps" --screenshots
	lacking=$(missing)
fi
find_chromium
if [ ! -x "$bin" ]; then
	lacking+="${lacking:+$'\n'}$bin (build it: cmake -S . -B build && cmake --build build)"
fi
if [ -n "$lacking" ]; then
	while IFS= read -r what; do echo "missing: $what"; done <<<"$lacking" >&2
	echo "install on Debian 12: apt-get install -y --no-install-recommends" \
		"$("$root/scripts/install-deps" --screenshots --print)" \
		"(as root, scripts/install-deps --screenshots does it)" >&2
	exit 69
fi
if [ "$check" = 1 ]; then
	echo "screenshots.sh: tmux, python3, $chromium, the fonts and $bin are there"
	exit 0
fi
out=$(realpath -m "${dir:-$root/screenshots}")
mkdir -p "$out"

work=$(mktemp -d)
sock="$work/tmux.sock"
pids=()
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A UTF-8 locale, so that the inspector draws its § and ␍␊, not stand-ins.
utf8=C.UTF-8
if ! locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null; then
	utf8=$(locale -a 2>/dev/null | grep -iE 'utf-?8$' | head -n 1 || true)
fi
export LANG=${utf8:-C.UTF-8} LC_ALL=${utf8:-C.UTF-8}
unset NO_COLOR

tm() { tmux -S "$sock" -f /dev/null "$@"; }
screen() { tm capture-pane -t "$1" -p; }
# (grep -q reads from a variable here: at the end of a pipe it would stop its
# writer early, and pipefail would call the match a failure.)

# fail SESSION WHY: says why, shows the screen and stops the script.
fail() {
	echo "screenshots.sh: $2; the screen of '$1':" >&2
	screen "$1" | sed 's/^/    | /' >&2
	exit 1
}

# wait_for SESSION TEXT...: until the screen shows every TEXT at once.
wait_for() {
	local session=$1 deadline=$((SECONDS + timeout)) text ok now
	shift
	while :; do
		ok=1
		now=$(screen "$session")
		for text in "$@"; do
			grep -qF -- "$text" <<<"$now" || { ok=0 && break; }
		done
		[ "$ok" = 1 ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && fail "$session" "'$text' never showed in ${timeout} s"
		sleep 0.1
	done
}

# wait_gone SESSION TEXT: until the screen no longer shows TEXT.
wait_gone() {
	local deadline=$((SECONDS + timeout))
	while grep -qF -- "$2" <<<"$(screen "$1")"; do
		[ "$SECONDS" -ge "$deadline" ] && fail "$1" "'$2' still shows after ${timeout} s"
		sleep 0.1
	done
}

# lab SCENARIO: a one-connection lab server on 127.0.0.1; sets $port.
lab() {
	local log="$work/lab.$1.$RANDOM" deadline=$((SECONDS + timeout))
	"$bin" lab --once --listen 127.0.0.1 --port 0 "$1" >"$log" 2>&1 &
	pids+=($!)
	port=
	while [ -z "$port" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "screenshots.sh: lab $1 did not start:" >&2
			cat "$log" >&2
			exit 1
		fi
		sleep 0.05
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
	done
}

# inspect SESSION COLS ROWS SCENARIO: the inspector against a fresh lab
# server, in a tmux session of that size, waiting for its first command.
inspect() {
	lab "$4"
	tm new-session -d -s "$1" -x "$2" -y "$3" \
		"'$bin' --helo $helo 127.0.0.1:$port; echo 'smtpscope exited'; sleep 600"
	tm set-option -t "$1" status off >/dev/null
	tm resize-window -t "$1" -x "$2" -y "$3" >/dev/null 2>&1 || true
	wait_for "$1" "next: EHLO $helo"
}

# quit SESSION: q, y, and the inspector is gone.
quit() {
	tm send-keys -t "$1" q
	wait_for "$1" "Quit and close the session?"
	tm send-keys -t "$1" y
	wait_for "$1" "smtpscope exited"
}

# search SESSION TEXT: / TEXT Enter.
search() {
	tm send-keys -t "$1" /
	wait_for "$1" "Search the conversation as shown"
	tm send-keys -t "$1" -l "$2"
	wait_for "$1" "/$2"
	tm send-keys -t "$1" Enter
	wait_gone "$1" "Search the conversation as shown"
}

# shot SESSION NAME TITLE TEXT...: once the screen shows every TEXT and has
# stopped changing (two captures 0.2 s apart agree), that screen as
# OUT/NAME.png; the capture itself must still show every TEXT.
shot() {
	local session=$1 name=$2 title=$3 cols rows size profile prev='' cur text plain
	local deadline=$((SECONDS + timeout))
	shift 3
	wait_for "$session" "$@"
	while :; do
		cur=$(tm capture-pane -t "$session" -e -p -N)
		[ "$cur" = "$prev" ] && break
		[ "$SECONDS" -ge "$deadline" ] && fail "$session" "the screen kept changing"
		prev=$cur
		sleep 0.2
	done
	printf '%s\n' "$cur" >"$work/$name.ans"
	plain=$(sed 's/\x1b\[[0-9;]*m//g' "$work/$name.ans")
	for text in "$@"; do
		grep -qF -- "$text" <<<"$plain" || fail "$session" "the capture for $name lost '$text'"
	done
	cols=$(tm display-message -p -t "$session" '#{pane_width}')
	rows=$(tm display-message -p -t "$session" '#{pane_height}')
	python3 "$root/scripts/ansi2html.py" --cols "$cols" --rows "$rows" "$title" \
		<"$work/$name.ans" >"$work/$name.html"
	size=$(python3 "$root/scripts/ansi2html.py" --geometry "$cols" "$rows")
	profile=$(mktemp -d "$work/chromium.XXXXXX")
	rm -f "$out/$name.png"
	if ! timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$profile" --window-size="$size" \
		--screenshot="$out/$name.png" "file://$work/$name.html" \
		>"$work/chromium.$name.log" 2>&1 || [ ! -s "$out/$name.png" ]; then
		echo "screenshots.sh: chromium failed for $name:" >&2
		tail -n 20 "$work/chromium.$name.log" >&2
		exit 1
	fi
	rm -rf "$profile"
	echo "$out/$name.png (${cols}x$rows, $(($(stat -c %s "$out/$name.png") / 1024)) KB)"
}

# The field case at 120x44, the misordered server.
inspect a 120 44 misordered

# misordered: after EHLO, the misordered 250-STARTTLS in red, and the pause
# before STARTTLS saying who will not send it.
tm send-keys -t a Space
shot a misordered "smtpscope: the misordered EHLO reply, before STARTTLS" \
	"Send anyway?" "250 SIZE 30000000"

# grammar: line 5 (reply line 1) selected, read as a Domain, the finding
# explained above the ABNF of RFC 5321 (its first rows, at 44 rows).
tm send-keys -t a Up Up Up Up Up Up
shot a grammar "smtpscope: the grammar of 250-STARTTLS" \
	"line 5 (reply line 1)" "Domain \"STARTTLS\"" "RFC 5321 §4.1.1.1 (o: RFC 1869)"

# grammar-rfc1869: the same line in the older grammar of RFC 1869 (o).
tm send-keys -t a o
shot a grammar-rfc1869 "smtpscope: 250-STARTTLS in the grammar of RFC 1869" \
	"line 5 (reply line 1)" "RFC 1869 §4.3 (o: RFC 5321)" "domain \"STARTTLS\""
tm send-keys -t a o
wait_for a "(o: RFC 1869)"

# STARTTLS, then the EHLO inside TLS: the session goes on to QUIT.
tm send-keys -t a ">"
wait_for a "next: STARTTLS"
tm send-keys -t a Space
wait_for a "TLS started" "next: EHLO $helo"
tm send-keys -t a Space
wait_for a "next: QUIT"

# search: /8bitmime from the last line wraps to the first hit, the one in
# plaintext, selected; the message area names its line.
search a 8bitmime
shot a search "smtpscope: a search for 8bitmime" \
	"Search wrapped to the top: line 7." "line 7 (reply line 3)" "18 <~ 250-8BITMIME"

# cert: the certificate view (C) of the lab's self-signed certificate.
tm send-keys -t a C
shot a cert "smtpscope: the certificate view after STARTTLS" \
	"Certificate and TLS (q closes)" "TLS: TLSv1" "sha256"
tm send-keys -t a q
wait_gone a "Certificate and TLS (q closes)"
quit a

# help: the keys (?), after EHLO; its box is 45 rows high, so 48 rows show
# it whole, down to its last line.
inspect h 120 48 misordered
tm send-keys -t h Space
wait_for h "Send anyway?"
tm send-keys -t h "?"
shot h help "smtpscope: the keys" "Keys (any key closes)" "Space " "R " \
	"Down browse the history"
tm send-keys -t h Escape
wait_gone h "Keys (any key closes)"
quit h

# client-matrix: 170 columns (grammar 3/5, findings 2/5) hold the client
# matrix with the clients' full names (but beside "sends STARTTLS without
# looking" where it is too long); line 5 of the reply selected.
inspect b 170 44 misordered
tm send-keys -t b Space
wait_for b "Send anyway?"
tm send-keys -t b Up Up Up Up Up Up
shot b client-matrix "smtpscope: the findings and the client matrix" \
	"line 5 (reply line 1)" "Cisco Secure Email (ESA)" "Postfix posttls-finger"
quit b

# raw: the injection server writes "250 injected" right after its 220 to
# STARTTLS; the raw view (x) of that 220 shows its CR LF and hex, and below
# the 14 plaintext bytes the inspector discarded.
inspect c 120 44 injection
tm send-keys -t c Space
wait_for c "next: STARTTLS"
tm send-keys -t c Space
wait_for c "TLS started"
search c "ready to start"
wait_for c "Search wrapped to the top"
tm send-keys -t c x
shot c raw "smtpscope: the raw view of the 220 to STARTTLS, and the discarded bytes" \
	"Line 10, from the server, 24 bytes; line end: CR LF" "220 Ready to start TLS␍␊" \
	"32 32 30 20 52 65 61 64 79" \
	"Discarded after the 220 to STARTTLS: 14 bytes of plaintext:" "250 injected␍␊"
tm send-keys -t c q
quit c
