# tmux.sh: what the scripts that drive smtpscope in a real terminal share.
# Source it after harness.sh (it uses $work, ok, bad, finish and slowdown).
# It runs a private tmux server on $sock, killed on exit, and gives:
#   need_tmux WHAT   ends the script when tmux is missing: a failure under
#                    CI, which installs it, else "SKIPPED (WHAT)";
#   tm ARGS          tmux on the private server;
#   screen PANE      the pane's text (SCREEN_FLAGS adds capture-pane flags,
#                    -J to join wrapped lines);
#   colours PANE     the pane's text with its attributes, as escapes;
#   wait_for PANE TEXT  until the pane shows TEXT: 10 s at most, scaled
#                    under valgrind; a failure shows the screen;
#   press PANE KEY... TEXT  sends the KEYs (tmux send-keys), then ok once the
#                    pane shows TEXT (wait_for).
sock="$work/tmux.sock"
harness_extra_cleanup() { tmux -S "$sock" kill-server 2>/dev/null; }

need_tmux() {
	command -v tmux >/dev/null && return 0
	if [ -n "${CI:-}" ]; then
		bad "tmux is not installed (scripts/install-deps installs it)"
	else
		echo "SKIPPED ($1): tmux is not installed"
	fi
	finish
	exit $?
}

tm() { tmux -S "$sock" "$@"; }
# shellcheck disable=SC2086
screen() { tm capture-pane -t "$1" -p ${SCREEN_FLAGS:-}; }
colours() { tm capture-pane -t "$1" -p -e; }

# wait_screen F|E PANE PATTERN: the pane shows PATTERN (grep -F, or -E for a
# regular expression) within 10 s, longer under valgrind.
wait_screen() {
	for _ in $(seq 1 $((100 * slowdown))); do
		screen "$2" | grep -q"$1" -- "$3" && return 0
		sleep 0.1
	done
	bad "the screen never showed '$3':"
	screen "$2" | sed 's/^/    | /'
	return 1
}
wait_for() { wait_screen F "$@"; }
# wait_row PANE REGEX: a row of the pane matches the extended regular expression.
wait_row() { wait_screen E "$@"; }
# press PANE KEY... TEXT: the KEYs sent to the pane, it shows TEXT (ok, or bad).
press() {
	local pane=$1 text=${*: -1}
	tm send-keys -t "$pane" "${@:2:$#-2}"
	wait_for "$pane" "$text" && ok
}
