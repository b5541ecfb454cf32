#!/usr/bin/env bash
# Times "smtpscope replay" on a large generated transcript against less on the
# same file, in the same run: first paint, the keys of paging and search,
# peak RSS. Each program runs in a pseudo-terminal driven by bench/tui-bench.py.
#
# usage: bench/replay.sh [BUILD_DIR] [LINES]        (defaults: build 1000000)
#   RUNS=3      runs of each program (figures are medians over the runs)
#   ROUNDS=10   rounds of the keys in each run (g, G, PgUp, a search that misses)
#   SIZE=80x24  the terminal
# Needs python3 and less. Results go to bench/out/ (replay.md, replay-*.json).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lines=${2:-1000000}
runs=${RUNS:-3}
rounds=${ROUNDS:-10}
size=${SIZE:-80x24}
out=bench/out
mkdir -p "$out"
for tool in python3 less timeout "$build/smtpscope" "$build/gen-transcript"; do
	command -v "$tool" >/dev/null || { echo "bench/replay.sh: $tool not found" >&2; exit 69; }
done
file="$out/transcript-${lines}-lines.txt"
[ -s "$file" ] || timeout 120 "$build/gen-transcript" --lines "$lines" >"$file"
cat "$file" >/dev/null # in the page cache for every program alike
ls -l "$file"

# tui-bench's own deadlines are the real ones; timeout(1) is the backstop.
tb() { timeout -k 5 400 python3 bench/tui-bench.py --size "$size" --step-timeout 60 --timeout 360 "$@"; }

# The keys of one round, from the last line: top, bottom, a page up, then from
# the top a search for a text that no line holds (a pass over every line).
round_smtpscope=(
	-s "repeat $rounds"
	-s 'key g g'
	-s 'key G G'
	-s 'key PgUp <PgUp>'
	-s 'type g'
	-s 'type / "^/"'
	-s 'key search zzz-not-there<Enter> "Not found"'
	-s 'type G'
	-s end
)
round_less=(
	-s "repeat $rounds"
	-s 'key g g'
	-s 'key G G'
	-s 'key PgUp <PgUp>'
	-s 'type g'
	-s 'type / "^/"'
	-s 'key search zzz-not-there<Enter> "Pattern not found"'
	-s 'type <Enter>'
	-s 'type G'
	-s end
)
row='^>\s+(?:\+\d+\.\d+s\s+)?(\d+)\s' # the selected row's line number

for i in $(seq 1 "$runs"); do
	echo "== run $i of $runs"
	# smtpscope exits 1: the file has error-level findings on purpose. The end is
	# "replay N/N" with N > 0 and no "+" after it: not the "replay 0/0+ (reading)"
	# of a screen the counter has not reached yet.
	tb --exit-ok 0,1 --label "smtpscope replay" --json "$out/replay-smtpscope-$i.json" \
		--dump "$out/replay-smtpscope-$i.screen" \
		-s 'first "replay 0\b"' \
		-s 'rss first' \
		-s 'key to-end r "replay ([1-9]\d*)/\1(?![\d+])"' \
		-s 'grab shown "replay (\d+)/"' \
		-s 'rss to-end' \
		-s "type g" -s "grab top '$row'" -s "type G" -s "grab bottom '$row'" \
		"${round_smtpscope[@]}" \
		-s 'rss end' -s quit \
		-- "$build/smtpscope" replay "$file"
	for variant in less less-N; do
		opts=()
		[ "$variant" = less-N ] && opts=(-N)
		tb --label "$variant" --json "$out/replay-$variant-$i.json" \
			--dump "$out/replay-$variant-$i.screen" \
			-s 'first "smtpscope transcript 1"' \
			-s 'rss first' \
			-s 'key to-end G "\(END\)"' \
			-s 'rss to-end' \
			"${round_less[@]}" \
			-s 'rss end' -s quit \
			-- less "${opts[@]}" "$file"
	done
done

python3 - "$out" "$runs" "$lines" "$size" <<'PY' | tee "$out/replay.md"
import json, statistics, sys
out, runs, lines, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
progs = ["smtpscope", "less", "less-N"]
names = {"smtpscope": "smtpscope replay", "less": "less", "less-N": "less -N"}
R = {p: [json.load(open(f"{out}/replay-{p}-{i}.json")) for i in range(1, runs + 1)] for p in progs}

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def p95(xs):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, -(-95 * len(s) // 100) - 1))]

def fmt(v, unit="ms"):
    if v is None:
        return "—"
    return f"{v:,.1f} {unit}" if v < 100 else f"{v:,.0f} {unit}"

def spread(xs, unit="ms"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    m = fmt(med(xs), unit)
    return m if len(xs) == 1 else f"{m} ({min(xs):,.1f}–{max(xs):,.1f})"

def key_stat(p, label):
    runs_ = [r["steps"] for r in R[p]]
    xs = [s["ms"] for st in runs_ for s in st if s.get("step") == "key" and s["label"] == label]
    if not xs:
        return "—"
    return f"{fmt(statistics.median(xs))} / {fmt(p95(xs))}"

rows = [
    ("first paint (exec to a settled screen)", lambda p: spread([r.get("first_paint_ms") for r in R[p]]), "≤ 50 ms"),
    ("to the last line the first time (`r`; less: `G`)", lambda p: spread([s["ms"] for r in R[p] for s in r["steps"] if s.get("label") == "to-end"]), ""),
]
for label, what in (("g", "`g` top"), ("G", "`G` bottom"), ("PgUp", "PgUp"), ("search", "`/` search, no match (Enter to paint)")):
    rows.append((f"{what}: median / p95 of all rounds", lambda p, l=label: key_stat(p, l), "≤ 5 ms"))
for label, what in (("first", "at the first paint"), ("end", "peak at the end (VmHWM)")):
    rows.append((f"RSS {what}", lambda p, l=label: spread([r["rss"][l]["VmHWM_kB" if l == "end" else "VmRSS_kB"] / 1024 for r in R[p]], "MiB"), "≤ 32 MiB" if label == "end" else ""))

def reach(p):
    if p != "smtpscope":
        return f"{lines:,} (all)"
    g = R[p][-1].get("grab", {})
    try:
        top, bottom = int(g["top"]), int(g["bottom"])
        return f"{bottom - top + 1:,}: lines {top:,}–{bottom:,} (status: replay {int(g['shown']):,})"
    except (KeyError, TypeError, ValueError):
        return "?"
rows.append(("lines reachable (g to G)", reach, "every line"))

print(f"### `smtpscope replay` against `less`: {lines:,}-line transcript, {size}, {runs} runs\n")
print("| measure | " + " | ".join(names[p] for p in progs) + " | goal |")
print("|---|" + "---:|" * len(progs) + "---|")
for what, f, goal in rows:
    print(f"| {what} | " + " | ".join(f(p) for p in progs) + f" | {goal} |")
n_keys = sum(1 for s in R["smtpscope"][0]["steps"] if s.get("label") == "g")
print(f"\nSingle figures are medians over the {runs} runs (min–max); key figures pool the "
      f"{n_keys} rounds of every run.")
PY
