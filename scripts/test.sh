#!/usr/bin/env bash
# The test command of README.md and of CI (.ci/run runs the README's command, kept identical).
# Run after `cmake --build build`:
#   1. the whole suite on build/ (ctest: every Catch2 case and Python module);
#   2. the sanitizer pass: an ASan + UBSan build in build-asan/ of bertcls and the Catch2 suite,
#      then every Catch2 case and the Python tests that run the bertcls binary, without the slow
#      timing-heavy ones (scripts/check-sanitizers.sh --ci; docs/RELIABILITY.md says what it skips).
# Exits non-zero when a test fails or a sanitizer reports anything.
#
#   bash scripts/test.sh                     # both
#   BERTCLS_SANITIZERS=0 bash scripts/test.sh   # the normal suite only (a quick local run)
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
ctest --test-dir build --output-on-failure -j2
normal=$(($(date +%s) - start))
echo "test.sh: normal suite ${normal} s"

if [ "${BERTCLS_SANITIZERS:-1}" = 0 ]; then
    echo "test.sh: sanitizer pass skipped (BERTCLS_SANITIZERS=0)"
    exit 0
fi
bash scripts/check-sanitizers.sh --ci
echo "test.sh: normal suite ${normal} s, sanitizer pass $(($(date +%s) - start - normal)) s"
