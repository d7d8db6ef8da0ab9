#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DBERTCLS_FUZZ=ON: coverage + ASan + UBSan) in build-fuzz/
# and runs each one for SECONDS (default 600) in turn, from seeds made of the repository's real
# files (tests/fuzz/make_seeds.py) plus the saved regression inputs (tests/fuzz/regressions/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # targets: tokenizer tokenizer_files jsonl model_file compiled_tokenizer
#   JOBS=2 FUZZ_DIR=/tmp/fuzz scripts/fuzz.sh 60 jsonl
#
# Each run's growing corpus is kept in $FUZZ_DIR/corpus/<target> (default build-fuzz/fuzz), so a
# later run goes on where this one stopped; its log is $FUZZ_DIR/<target>.log and a summary line
# (executions, cov, ft, crashes) is printed per target. Crash inputs land in
# $FUZZ_DIR/artifacts/<target>/: minimise one with
#   build-fuzz/fuzz_<target> -minimize_crash=1 -runs=10000 CRASH
# and add it to tests/fuzz/regressions/<target>/, which tests/fuzz/test_regressions.cpp replays in CI.
# Exits 1 when any target found a crash. Needs clang-14 and libclang-rt-14-dev (libFuzzer).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(tokenizer tokenizer_files jsonl model_file compiled_tokenizer)
BUILD="${BUILD:-$REPO/build-fuzz}"
FUZZ_DIR="${FUZZ_DIR:-$BUILD/fuzz}"
JOBS="${JOBS:-2}"
CXX_FUZZ="${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}"
CC_FUZZ="${CC_FUZZ:-$(command -v clang-14 || command -v clang)}"

cmake -S "$REPO" -B "$BUILD" -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
      -DBERTCLS_FUZZ=ON -DBERTCLS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]/#/fuzz_}"

mkdir -p "$FUZZ_DIR"
if [ ! -d "$FUZZ_DIR/seeds" ]; then
    /usr/bin/python3 "$REPO/tests/fuzz/make_seeds.py" "$FUZZ_DIR/seeds.tmp" && mv "$FUZZ_DIR/seeds.tmp" "$FUZZ_DIR/seeds"
fi

# Largest input per target: model files and tokenizer files hold whole seed files.
max_len() {
    case "$1" in
        tokenizer) echo 16384 ;;
        jsonl) echo 65536 ;;
        tokenizer_files) echo 400000 ;;
        model_file) echo 131072 ;;
        compiled_tokenizer) echo 131072 ;;
    esac
}

status=0
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
for target in "${TARGETS[@]}"; do
    corpus="$FUZZ_DIR/corpus/$target"
    artifacts="$FUZZ_DIR/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    dict=()
    [ -f "$REPO/tests/fuzz/$target.dict" ] && dict=(-dict="$REPO/tests/fuzz/$target.dict")
    inputs=("$corpus" "$FUZZ_DIR/seeds/$target")
    [ -d "$REPO/tests/fuzz/regressions/$target" ] && inputs+=("$REPO/tests/fuzz/regressions/$target")
    log="$FUZZ_DIR/$target.log"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s (log $log)"
    rc=0
    "$BUILD/fuzz_$target" "${inputs[@]}" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 \
        -max_len="$(max_len "$target")" -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        >"$log" 2>&1 || rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
    crashes=$(find "$artifacts" -type f | wc -l)
    echo "fuzz: $target: exit $rc, executions $execs, cov $cov, ft $ft, crash/leak/timeout inputs $crashes"
    [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ] || status=1
done
exit $status
