#!/usr/bin/env bash
# Times "smtpscope lint" on a large generated transcript against the floor of
# "grep -c STARTTLS" over the same file, in the same hyperfine run.
#
# usage: bench/run.sh [BUILD_DIR] [MEGABYTES]   (defaults: build 100)
# Needs hyperfine (apt-get install hyperfine). Results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mb=${2:-100}
out=bench/out
mkdir -p "$out"
for tool in hyperfine "$build/smtpscope" "$build/gen-transcript"; do
	command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found" >&2; exit 69; }
done
file="$out/transcript-${mb}mb.txt"
[ -s "$file" ] || "$build/gen-transcript" "$mb" >"$file"
ls -l "$file"
# Outputs go to files, not /dev/null: GNU grep stops at the first match when
# its output is /dev/null, which would not be a pass over the file.
# smtpscope exits 1 on error findings (the file has them on purpose).
hyperfine --warmup 3 --runs "${RUNS:-20}" --export-json "$out/lint.json" \
	"grep -c STARTTLS $file > $out/grep.out" \
	"$build/smtpscope lint --summary $file > $out/summary.out || test \$? = 1" \
	"$build/smtpscope lint $file > $out/text.out || test \$? = 1" \
	"$build/smtpscope lint --json $file > $out/json.out || test \$? = 1"
python3 - "$out/lint.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
floor = r[0]["median"]
for x in r:
    print(f'{x["median"]*1000:8.1f} ms median  {x["median"]/floor:5.2f}x grep  {x["command"]}')
PY
