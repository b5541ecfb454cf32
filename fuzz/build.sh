#!/bin/sh
# Builds the libFuzzer targets of fuzz/ into build-fuzz/ with clang, each
# linked with every file of src/proto under AddressSanitizer and
# UndefinedBehaviorSanitizer. CC overrides the compiler (default clang);
# FUZZ_BUILD names another output folder (run.sh reads the same variable);
# FUZZ_CFLAGS adds flags, for instance -fno-sanitize=pointer-overflow to
# fuzz past a known report.
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-clang}
out=${FUZZ_BUILD:-build-fuzz}
mkdir -p "$out"
for src in fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	echo "building $out/$name"
	# shellcheck disable=SC2086
	$CC -g -O1 -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -Isrc/proto ${FUZZ_CFLAGS:-} \
		"$src" src/proto/*.c -o "$out/$name"
done
