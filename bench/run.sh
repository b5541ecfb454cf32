#!/usr/bin/env bash
# Times "smtpscope lint" on two large generated inputs, the same conversation
# in smtpscope's transcript format and in swaks' output format, against the
# floor of "grep -c STARTTLS" over the same file, all in one hyperfine run.
#
# usage: bench/run.sh [BUILD_DIR] [MEGABYTES]   (defaults: build 100)
#   RUNS=20    hyperfine runs of each command
#   MODES="summary text json"   the lint commands timed (grep always is)
#   SMTPSCOPE=path/to/smtpscope   the binary timed (default BUILD_DIR/smtpscope)
#   SINK=null  where lint's output goes: null (/dev/null: the program's own
#              work) or file (bench/out/: that, plus the kernel's writes of
#              up to 600 MB into the page cache, which vary a lot from run to run)
# Needs hyperfine (apt-get install hyperfine). Results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mb=${2:-100}
bin=${SMTPSCOPE:-$build/smtpscope}
out=bench/out
mkdir -p "$out"
for tool in hyperfine python3 "$bin" "$build/gen-transcript"; do
	command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found" >&2; exit 69; }
done
transcript="$out/transcript-${mb}mb.txt"
swaks="$out/swaks-${mb}mb.txt"
[ -s "$transcript" ] || "$build/gen-transcript" "$mb" >"$transcript"
[ -s "$swaks" ] || "$build/gen-transcript" --swaks "$mb" >"$swaks"
ls -l "$transcript" "$swaks"
"$bin" --version 2>/dev/null || true
# grep's output goes to a file, never /dev/null: GNU grep stops at the first
# match when its output is /dev/null, which would not be a pass over the file.
# smtpscope does the same work whatever its output is (it never looks).
# smtpscope exits 1 on error findings (the files have them on purpose).
modes=${MODES:-summary text json}
sink=${SINK:-null}
case $sink in
null | file) ;;
*) echo "bench/run.sh: SINK is null or file, not $sink" >&2; exit 64 ;;
esac
cmds=()
for input in transcript swaks; do
	file=${!input}
	cmds+=("grep -c STARTTLS $file > $out/$input-grep.out")
	for mode in $modes; do
		case $mode in
		summary) opt=--summary ;;
		text) opt= ;;
		json) opt=--json ;;
		*) echo "bench/run.sh: unknown mode $mode" >&2; exit 64 ;;
		esac
		to=/dev/null
		[ "$sink" = file ] && to=$out/$input-$mode.out
		cmds+=("$bin lint $opt $file > $to || test \$? = 1")
	done
done
hyperfine --warmup 3 --runs "${RUNS:-20}" --export-json "$out/lint-$sink.json" "${cmds[@]}"
# Each command's median against the grep of its own file (the first of its group).
python3 - "$out/lint-$sink.json" <<'PY' | tee "$out/lint-$sink.md"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| command | median | × grep |")
print("|---------|-------:|-------:|")
for x in r:
    if x["command"].startswith("grep "):
        floor = x["median"]
    print(f'| `{x["command"]}` | {x["median"]*1000:.1f} ms | {x["median"]/floor:.2f} |')
PY
