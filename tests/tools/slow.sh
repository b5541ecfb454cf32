# slow.sh: under valgrind (SMTPSCOPE_VALGRIND=1, set by the tests of label valgrind)
# every process runs many times slower: "slow N" scales a limit of N seconds
# to match, and a check of time or memory asks under_valgrind and is skipped.
if [ -n "${SMTPSCOPE_VALGRIND:-}" ]; then slowdown=10; else slowdown=1; fi
slow() { echo $(($1 * slowdown)); }
under_valgrind() { [ -n "${SMTPSCOPE_VALGRIND:-}" ]; }
