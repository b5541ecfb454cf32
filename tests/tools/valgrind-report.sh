#!/bin/sh
# Reads the logs that valgrind wrote, one per process, during the tests of
# label valgrind, and fails when any of them reports an error or a leak
# (definite, indirect or possible; tests/tools/valgrind.supp names the one
# block left out). Prints how many processes ran and the totals.
# usage: valgrind-report.sh LOG_FOLDER
set -eu
dir=$1
n=$(find "$dir" -name '*.log' | wc -l)
if [ "$n" -eq 0 ]; then
	echo "valgrind-report: no logs in $dir: did the valgrind tests run?" >&2
	exit 1
fi
# With --quiet a clean process leaves an empty log; anything else is a report.
bad=$(find "$dir" -name '*.log' -size +0 | sort)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "== $f"
		head -c 6000 "$f"
	done
	echo "valgrind-report: $(echo "$bad" | wc -l) of $n processes reported errors or leaks" >&2
	exit 1
fi
echo "valgrind-report: $n processes under memcheck, 0 errors, 0 leaks (definite, indirect or possible)"
