#!/bin/sh
# Runs each libFuzzer target of build-fuzz/ for SECONDS (default 60), one
# after the other, at a low priority. New inputs go to a scratch corpus
# (FUZZ_WORK, default /tmp/fuzz-corpus/<target>) seeded from
# fuzz/corpus/<target>/, so the seeds in the tree stay small; crashes,
# timeouts and leaks are written to fuzz/crashes/. Name targets after
# SECONDS to run only those, e.g. run.sh 240 fuzz_reader. FUZZ_BUILD names
# another folder of built targets; UBSAN_OPTIONS and ASAN_OPTIONS pass
# through to the targets. The memory limit is 2 GiB: ASan's quarantine alone
# keeps up to 256 MB of freed memory, and the scenario parser's target peaks
# at about 450 MB in a ten-minute run.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"fuzz_reader fuzz_ehlo fuzz_source fuzz_escape fuzz_session fuzz_scenario"}
work=${FUZZ_WORK:-/tmp/fuzz-corpus}
bin=${FUZZ_BUILD:-build-fuzz}
mkdir -p fuzz/crashes
status=0
for t in $targets; do
	mkdir -p "$work/$t" "fuzz/corpus/$t"
	echo "== $t for ${seconds}s"
	nice -n 10 "$bin/$t" "$work/$t" "fuzz/corpus/$t" \
		-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="fuzz/crashes/$t-" -print_final_stats=1 || status=1
done
exit $status
