#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (-DBERTCLS_SANITIZE=ON)
# in build-asan/ and runs the whole test suite (Catch2 and Python, which run the sanitized
# bertcls binary) with leak detection on. Exits non-zero when the build fails, a test fails or a
# sanitizer reports anything.
#
#   scripts/check-sanitizers.sh [BUILD_DIR]      # default: build-asan
#   JOBS=2 CTEST_ARGS="-R batch" scripts/check-sanitizers.sh
#
# Sanitizer settings:
# - Any report aborts the process with exit code 86 (ASan, LSan) or through
#   -fno-sanitize-recover (UBSan), so a report can never pass for a test's expected exit code.
# - Leak suppressions (LSan) are kept narrow; each names a third-party library and why:
#     libgomp / libomp: the OpenMP runtime keeps its thread pool and per-thread data until
#       process exit by design (never freed, still reachable from its own TLS).
#     libdnnl: oneDNN's primitive cache and JIT code buffers are process-lifetime singletons.
#   Nothing in bertcls itself is suppressed.
# - OMP_WAIT_POLICY=passive (set by tests/CMakeLists.txt) keeps OpenMP threads from spinning;
#   the sanitizers make the spinning far more expensive.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$REPO/build-asan}"
JOBS="${JOBS:-2}"
start=$(date +%s)

cmake -S "$REPO" -B "$BUILD" -DBERTCLS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$JOBS"
built=$(date +%s)

cat >"$BUILD/lsan.supp" <<'EOF'
# OpenMP runtime: thread pool and thread-local state live until exit.
leak:libgomp.so
leak:libomp.so
# oneDNN: primitive cache and JIT kernels are process-lifetime singletons.
leak:libdnnl.so
EOF

export ASAN_OPTIONS="detect_leaks=1:exitcode=86:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$BUILD/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

status=0
# shellcheck disable=SC2086
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 1500 ${CTEST_ARGS:-} | tee "$BUILD/sanitizer-ctest.log" || status=$?

# A sanitizer report inside a subprocess whose exit code a test ignored would still be printed;
# treat any report in the log as a failure.
if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$BUILD/sanitizer-ctest.log" >/dev/null; then
    echo "check-sanitizers: sanitizer reports in the test output (see $BUILD/sanitizer-ctest.log)" >&2
    status=1
fi
end=$(date +%s)
echo "check-sanitizers: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s, status $status"
exit $status
