#!/usr/bin/env bash
# Floods the inspector from a loopback lab server: after EHLO, an endless
# EHLO reply ("250-X-FLOOD xxx...", LINE bytes a line with its CR LF). Measures
# how fast the inspector in a pseudo-terminal (bench/tui-bench.py) takes it in,
# whether keys still paint while it floods, its RSS; and, on the same server in
# the same run, a Python socket sink (the server's floor), --plain, check, and
# the peers openssl s_client -starttls smtp, posttls-finger and swaks.
#
# usage: bench/flood.sh [BUILD_DIR]                 (default: build)
#   RUNS=3              runs of everything (figures are medians over the runs)
#   WINDOW=8            seconds each consumer is counted (after 0.5 s of warm-up)
#   LINES="2000 100"    the line sizes flooded, bytes with CR LF, one server each
#   SIZE=80x24          the inspector's terminal
# The inspector gives up on a reply after 30 s, so WINDOW stays well below.
# Needs python3 and ss (iproute2); openssl, posttls-finger, swaks when present.
# Results go to bench/out/ (flood.md, flood-*.json). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${RUNS:-3}
window=${WINDOW:-8}
sizes=${LINES:-2000 100}
size=${SIZE:-80x24}
out=bench/out
mkdir -p "$out"
for tool in python3 ss timeout "$build/smtpscope"; do
	command -v "$tool" >/dev/null || { echo "bench/flood.sh: $tool not found" >&2; exit 69; }
done
peers=()
for tool in openssl posttls-finger swaks; do
	if command -v "$tool" >/dev/null; then peers+=("$tool"); else echo "flood.sh: no $tool, skipped" >&2; fi
done
# posttls-finger wants a main.cf, any main.cf: an empty one of ours.
mkdir -p "$out/postfix" && : >"$out/postfix/main.cf"

lab_pid=
stop_lab() {
	if [ -n "$lab_pid" ]; then
		kill "$lab_pid" 2>/dev/null || true
		wait "$lab_pid" 2>/dev/null || true
		lab_pid=
	fi
}
trap stop_lab EXIT
trap 'exit 130' INT TERM

# Starts the lab on a free port with the scenario $1; sets port and lab_pid.
start_lab() {
	local i
	: >"$out/lab.out"
	timeout -k 5 3600 "$build/smtpscope" lab --max-clients 4 --idle-timeout 60 \
		--session-timeout 120 "$1" >"$out/lab.out" 2>"$out/lab.err" &
	lab_pid=$!
	for i in $(seq 50); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out/lab.out")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	echo "bench/flood.sh: the lab server did not start:" >&2
	cat "$out/lab.err" >&2
	exit 1
}

rate() { timeout -k 5 $((window + 40)) python3 bench/flood-rate.py "$@"; }

for bytes in $sizes; do
	scn="$out/flood-$bytes.scn"
	python3 - "$bytes" >"$scn" <<'PY'
import sys
n = int(sys.argv[1])
head = "250-X-FLOOD "
assert n >= len(head) + 3, "lines of at least 15 bytes"
print(f"summary Flood: after EHLO an endless EHLO reply of {n}-byte lines")
print("greeting\n\tsend 220 flood.example ESMTP")
print("on EHLO plain\n\tsend 250-flood.example")
print(f"\trepeat 1000000000 send {head}{'x' * (n - len(head) - 2)}")
PY
	start_lab "$scn"
	echo "== $bytes-byte lines: lab server on 127.0.0.1:$port"
	for i in $(seq 1 "$runs"); do
		echo "-- run $i of $runs"
		tag="$bytes-$i"
		rate sink "$port" "$window" --label sink --json "$out/flood-sink-$tag.json"
		# The inspector: Space sends EHLO; the flood is counted from then on (the
		# last line number on screen too, to see how long new lines came); then
		# keys while it floods (the help overlay opened and closed), then one more
		# second of counting to show that the flood was still on during the keys.
		# --settle 0: under a flood the terminal is never quiet (the partial line
		# is redrawn), so a key's paint is the first output that shows its effect.
		timeout -k 5 $((window + 60)) python3 bench/tui-bench.py --size "$size" --settle 0 \
			--tcp-port "$port" --step-timeout 10 --timeout $((window + 45)) --exit-ok 0,1,2 \
			--label inspector --json "$out/flood-inspector-$tag.json" \
			--dump "$out/flood-inspector-$tag.screen" \
			-s 'first "next: EHLO"' \
			-s 'key ehlo <Space> "X-FLOOD"' \
			-s "flood flood $window '^>\s*(\d+) '" \
			-s 'rss flood' \
			-s 'repeat 10' -s 'key help-open ? "Keys \(any"' -s 'key help-close ? "!Keys \(any"' -s end \
			-s "flood after-keys 1 '^>\s*(\d+) '" \
			-s quit \
			-- "$build/smtpscope" 127.0.0.1:"$port"
		rate cmd "$window" --port "$port" --stdin '\n' --label plain \
			--json "$out/flood-plain-$tag.json" -- "$build/smtpscope" --plain 127.0.0.1:"$port"
		rate cmd "$window" --port "$port" --label check \
			--json "$out/flood-check-$tag.json" -- "$build/smtpscope" check 127.0.0.1:"$port"
		for peer in "${peers[@]}"; do
			case $peer in
			openssl) cmd=(openssl s_client -starttls smtp -connect 127.0.0.1:"$port") ;;
			posttls-finger) cmd=(env MAIL_CONFIG="$out/postfix" posttls-finger -c "[127.0.0.1]:$port") ;;
			swaks) cmd=(swaks --server 127.0.0.1 --port "$port" --quit-after EHLO --timeout 60) ;;
			esac
			rate cmd "$window" --port "$port" --label "$peer" \
				--json "$out/flood-$peer-$tag.json" -- "${cmd[@]}"
		done
	done
	stop_lab
done

python3 - "$out" "$runs" "$window" "$size" "$sizes" "${peers[@]}" <<'PY' | tee "$out/flood.md"
import json, statistics, sys
out, runs, window, size, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5].split()
peers = sys.argv[6:]

def load(name, tag):
    try:
        return json.load(open(f"{out}/flood-{name}-{tag}.json"))
    except (OSError, ValueError):
        return None

def runs_of(name, b):
    return [r for r in (load(name, f"{b}-{i}") for i in range(1, runs + 1)) if r]

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def f1(v, unit=""):
    return "—" if v is None else f"{v:,.1f}{unit}" if abs(v) < 100 else f"{v:,.0f}{unit}"

def p95(xs):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, -(-95 * len(s) // 100) - 1))] if s else None

names = [("sink", "Python socket sink (the server's floor)"),
         ("inspector", "`smtpscope HOST:PORT`, the inspector in an 80x24 pty"),
         ("plain", "`smtpscope --plain HOST:PORT` (stdout /dev/null)"),
         ("check", "`smtpscope check HOST:PORT` (stdout /dev/null)")]
names += [(p, {"openssl": "`openssl s_client -starttls smtp`",
               "posttls-finger": "`posttls-finger -c`",
               "swaks": "`swaks --quit-after EHLO`"}[p]) for p in peers]

print(f"### Flood: an endless EHLO reply from `smtpscope lab` on loopback, {runs} runs of {window} s\n")
print("MB/s taken in (bytes acknowledged to the consumer's socket, `ss -ti`), median over the runs "
      "(min–max), and the consumer's CPU.\n")
print("| consumer | " + " | ".join(f"{b}-byte lines: MB/s | CPU %" for b in sizes) + " |")
print("|---|" + "---:|---:|" * len(sizes))
for name, what in names:
    cells = []
    for b in sizes:
        rs = runs_of(name, b)
        if name == "inspector":
            rs = [r.get("flood", {}).get("flood", {}) for r in rs]
        key = "read_MBps" if name == "sink" else "tcp_MBps"
        xs = [r.get(key) for r in rs if r.get(key) is not None]
        errs = sorted({r["error"] for r in rs if r.get("error")})
        m = f1(med(xs)) + (f" ({f1(min(xs))}–{f1(max(xs))})" if len(xs) > 1 else "")
        if errs:
            m += " " + "; ".join(errs)
        cells += [m, f1(med([r.get("cpu_pct") for r in rs]))]
    print(f"| {what} | " + " | ".join(cells) + " |")

print(f"\n### The inspector while it floods ({size})\n")
print("| measure | " + " | ".join(f"{b}-byte lines" for b in sizes) + " |")
print("|---|" + "---:|" * len(sizes))
rows = {}
for b in sizes:
    rs = runs_of("inspector", b)
    fl = [r.get("flood", {}).get("flood", {}) for r in rs]
    keys = [s["ms"] for r in rs for s in r.get("steps", []) if s.get("label") in ("help-open", "help-close")]
    rows.setdefault("Space (EHLO) to the first flood line on screen", []).append(
        f1(med([s["ms"] for r in rs for s in r.get("steps", []) if s.get("label") == "ehlo"]), " ms"))
    rows.setdefault("keypress-to-paint while flooding (`?` opens and closes the help): median / p95", []).append(
        f"{f1(med(keys), ' ms')} / {f1(p95(keys), ' ms')} (n={len(keys)})")
    rows.setdefault("MB/s in the second after the keys (the flood was still on)", []).append(
        f1(med([r.get("flood", {}).get("after-keys", {}).get("tcp_MBps") for r in rs])))
    rows.setdefault("last line number on screen at the end of the window", []).append(
        ", ".join(str(x.get("last_value")) for x in fl))
    rows.setdefault("new lines stopped appearing after (s into the window)", []).append(
        ", ".join(str(x.get("last_change_s")) for x in fl))
    rows.setdefault("terminal output, kB/s", []).append(f1(med([x.get("tty_out_kBps") for x in fl])))
    rows.setdefault("longest gap between two terminal writes, ms", []).append(
        f1(med([x.get("max_output_gap_ms") for x in fl])))
    rows.setdefault("peak RSS (VmHWM) after the window", []).append(
        f1(med([r.get("rss", {}).get("flood", {}).get("VmHWM_kB", 0) / 1024 for r in rs]), " MiB"))
    rows.setdefault("tui-bench's own CPU (its terminal emulation)", []).append(
        f1(med([x.get("bench_cpu_pct") for x in fl]), " %"))
    errs = [r["error"] for r in rs if r.get("error")]
    rows.setdefault("failures", []).append("; ".join(errs) or "none")
for what, cells in rows.items():
    print(f"| {what} | " + " | ".join(cells) + " |")
print(f"\nKey figures pool every run's keys; the others are medians over the runs, or each run's "
      "value. read() rates (rchar of /proc/PID/io) are in the JSON files; they count read(2) "
      "only, so swaks, which reads with recv(2), shows 0 there.")
PY
