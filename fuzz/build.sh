#!/bin/sh
# Builds the libFuzzer targets of fuzz/ into build-fuzz/ with clang, through
# CMake (-DSMTPSCOPE_FUZZ=ON): every layer instrumented for coverage, under
# AddressSanitizer and UndefinedBehaviorSanitizer, warnings as errors
# (-DSMTPSCOPE_WERROR=ON). CC overrides the
# compiler (default clang); FUZZ_BUILD names another output folder (run.sh
# reads the same variable); FUZZ_CFLAGS adds flags, for instance
# -fno-sanitize=pointer-overflow to fuzz past a known report.
set -eu
cd "$(dirname "$0")/.."
out=${FUZZ_BUILD:-build-fuzz}
CC=${CC:-clang} cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMTPSCOPE_FUZZ=ON \
	-DSMTPSCOPE_WERROR=ON -DSMTPSCOPE_TESTS=OFF -DCMAKE_C_FLAGS="${FUZZ_CFLAGS:-}" >/dev/null
cmake --build "$out" -j "$(nproc)" --target fuzz
