#!/usr/bin/env bash
# Regenerates the screenshots of the inspector in screenshots/*.png from the
# real terminal: the lab server plays a scenario on loopback (127.0.0.1, a free
# port), the inspector runs against it inside a detached tmux session of a fixed
# size, keys go in with send-keys, the screen comes back with colours from
# capture-pane -e, scripts/ansi2html.py makes it an HTML page and headless
# Chromium renders that page to PNG. Nothing leaves the machine.
#
# usage: scripts/screenshots.sh [--check] [OUTDIR]
#   OUTDIR   where the PNGs go (default: screenshots/ in the project)
#   --check  only tell whether tmux, python3, chromium and the binary are there
#
# Needs tmux, python3 and chromium (Debian: apt-get install tmux chromium
# python3) and a built smtpscope (cmake --build build), or SMTPSCOPE=PATH.
# CHROMIUM=PATH picks another Chromium binary.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${SMTPSCOPE:-$root/build/smtpscope}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo chromium)}
helo=client.example

check_deps() {
	local missing=0
	for tool in tmux python3 "$chromium"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "missing: $tool" >&2
			missing=1
		fi
	done
	if [ ! -x "$bin" ]; then
		echo "missing: $bin (build it: cmake -S . -B build && cmake --build build)" >&2
		missing=1
	fi
	return "$missing"
}

if [ "${1:-}" = "--check" ]; then
	if check_deps; then
		echo "screenshots.sh: tmux, python3, $chromium and $bin are there"
		exit 0
	fi
	echo "install them with: apt-get install tmux chromium python3" >&2
	exit 1
fi
check_deps || {
	echo "install them with: apt-get install tmux chromium python3" >&2
	exit 1
}
out=$(realpath -m "${1:-$root/screenshots}")
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

# A UTF-8 locale, so that the inspector draws its § and not a stand-in.
utf8=C.UTF-8
if ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
	utf8=$(locale -a 2>/dev/null | grep -iE 'utf-?8$' | head -n 1 || true)
fi
export LANG=${utf8:-C.UTF-8} LC_ALL=${utf8:-C.UTF-8}
unset NO_COLOR

tm() { tmux -S "$sock" -f /dev/null "$@"; }
screen() { tm capture-pane -t "$1" -p; }

# wait_for SESSION TEXT: until the screen shows TEXT (10 s at most).
wait_for() {
	local _
	for _ in $(seq 1 100); do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	echo "screenshots.sh: the screen of '$1' never showed '$2':" >&2
	screen "$1" | sed 's/^/    | /' >&2
	exit 1
}

# lab SCENARIO: a one-connection lab server on 127.0.0.1; sets $port.
lab() {
	local log="$work/lab.$1.$RANDOM" _
	"$bin" lab --once --listen 127.0.0.1 --port 0 "$1" >"$log" 2>&1 &
	pids+=($!)
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "screenshots.sh: lab $1 did not start:" >&2
	cat "$log" >&2
	exit 1
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

# shot SESSION NAME TITLE: the screen of SESSION as OUT/NAME.png.
shot() {
	local session=$1 name=$2 title=$3 cols rows size profile
	sleep 0.3 # let the inspector finish its redraw
	cols=$(tm display-message -p -t "$session" '#{pane_width}')
	rows=$(tm display-message -p -t "$session" '#{pane_height}')
	tm capture-pane -t "$session" -e -p -N >"$work/$name.ans"
	python3 "$root/scripts/ansi2html.py" --cols "$cols" --rows "$rows" "$title" \
		<"$work/$name.ans" >"$work/$name.html"
	size=$(python3 "$root/scripts/ansi2html.py" --geometry "$cols" "$rows")
	profile=$(mktemp -d "$work/chromium.XXXXXX")
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$profile" --window-size="$size" \
		--screenshot="$out/$name.png" "file://$work/$name.html" \
		>"$work/chromium.$name.log" 2>&1 || {
		echo "screenshots.sh: chromium failed for $name:" >&2
		tail -n 20 "$work/chromium.$name.log" >&2
		exit 1
	}
	rm -rf "$profile"
	echo "$out/$name.png (${cols}x$rows, $(($(stat -c %s "$out/$name.png") / 1024)) KB)"
}

# 1. The field case after EHLO: the misordered 250-STARTTLS in red, and the
#    pause before STARTTLS saying who will not send it.
inspect a 120 44 misordered
tm send-keys -t a Space
wait_for a "Send anyway?"
wait_for a "250 SIZE 30000000"
shot a misordered "smtpscope: the misordered EHLO reply, before STARTTLS"

# 2. Line 1 of the EHLO reply selected: the grammar panel reads it as a Domain
#    (44 rows: room for the whole ABNF of RFC 5321 under the explanation).
tm send-keys -t a Up Up Up Up Up Up
wait_for a "Domain \"STARTTLS\""
shot a grammar "smtpscope: the grammar of 250-STARTTLS"

# 2b. The same line in the older grammar of RFC 1869 (g).
tm send-keys -t a g
wait_for a "RFC 1869 §4.3 (g: RFC 5321)"
shot a grammar-rfc1869 "smtpscope: 250-STARTTLS in the grammar of RFC 1869"
tm send-keys -t a g
wait_for a "(g: RFC 1869)"

# 3. The help overlay.
tm send-keys -t a "?"
wait_for a "Keys (any key closes)"
shot a help "smtpscope: the keys"
tm send-keys -t a Escape
tm send-keys -t a q
wait_for a "Quit and close the session?"
tm send-keys -t a y
wait_for a "smtpscope exited"

# 4. Wide enough (grammar 3/5, findings 2/5 of 170 columns) for the client
#    matrix with every client's full name; line 1 of the reply selected.
inspect b 170 44 misordered
tm send-keys -t b Space
wait_for b "Send anyway?"
tm send-keys -t b Up Up Up Up Up Up
wait_for b "Domain \"STARTTLS\""
wait_for b "OpenSSL s_client -starttls smtp"
shot b client-matrix "smtpscope: the findings and the client matrix"
tm send-keys -t b q
wait_for b "Quit and close the session?"
tm send-keys -t b y
wait_for b "smtpscope exited"
