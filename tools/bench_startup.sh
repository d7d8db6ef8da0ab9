#!/usr/bin/env bash
# Start-up cost (issue #21): what a shell use of bertcls pays per call, as the ratios its goals
# are stated in (docs/PERFORMANCE.md).
#
#   tools/bench_startup.sh [-b BERTCLS] [-n RUNS] [-l LINES] [-p PROCESSES] [--no-base] [--base-model FILE]
#
# 1. `bertcls classify "everything feels wonderful today"` (bundled model) against
#    `bertcls --version` (exec and dynamic linking of the same binary): whole-process medians,
#    the two interleaved RUNS times (default 31). Goal: ratio <= 2.
# 2. The same classify with a bert-base-sized model of random weights (made once with
#    ../shared/tools/make_random_bert.py --preset base and scripts/convert_checkpoint.py, with the
#    tokenizer of ../shared/tokenizers/bert-base-uncased, kept in
#    $BERTCLS_BENCH_DIR, default /tmp/bertcls-bench-startup; or --base-model FILE), against its
#    forward pass as --timing reports it. Goal: whole process <= forward + 20 ms.
# 3. `classify --lines` on LINES short lines (default 1000) in one process, against one process
#    per line for the first PROCESSES lines (default 200; ms per line extrapolates). Goal: >= 5x
#    fewer ms per line.
# Timings are wall clock from Python's perf_counter around each exec; 1. and 2. also give CPU
# time (user + system of all threads), which other load on the machine disturbs much less. The
# environment is passed as it is (set OMP_WAIT_POLICY / OMP_NUM_THREADS to measure those settings).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${BERTCLS_SHARED_DIR:-$here/../shared}
bertcls=$here/build/bertcls
runs=31
lines=1000
processes=200
do_base=1
base_model=""
while [[ $# -gt 0 ]]; do
    case $1 in
        -b) bertcls=$2; shift 2 ;;
        -n) runs=$2; shift 2 ;;
        -l) lines=$2; shift 2 ;;
        -p) processes=$2; shift 2 ;;
        --no-base) do_base=0; shift ;;
        --base-model) base_model=$2; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "bench_startup.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
    esac
done
[[ -x $bertcls ]] || { echo "bench_startup.sh: no bertcls binary at $bertcls (build it, or -b BINARY)" >&2; exit 1; }
model=$here/models/emotion-bert-L2-H128.bertcls
work=${BERTCLS_BENCH_DIR:-/tmp/bertcls-bench-startup}
mkdir -p "$work"

if [[ $do_base == 1 && -z $base_model ]]; then
    base_model=$work/random-bert-base.bertcls
    if [[ ! -f $base_model ]]; then
        [[ -f $shared/tools/make_random_bert.py ]] || { echo "bench_startup.sh: $shared/tools/make_random_bert.py not found (--no-base, or --base-model FILE)" >&2; exit 1; }
        /usr/bin/python3 "$shared/tools/make_random_bert.py" "$work/random-bert-base" --preset base >/dev/null
        /usr/bin/python3 "$here/scripts/convert_checkpoint.py" "$work/random-bert-base" -o "$base_model" --bertcls "$bertcls" \
            --tokenizer "$shared/tokenizers/bert-base-uncased" >/dev/null
    fi
fi

/usr/bin/python3 - "$bertcls" "$model" "$runs" "$lines" "$processes" "$work" "${base_model:-}" <<'EOF'
import os, re, resource, statistics, subprocess, sys, time

bertcls, model, runs, lines, processes, work, base_model = sys.argv[1:]
runs, lines, processes = int(runs), int(lines), int(processes)
TEXT = "everything feels wonderful today"


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def timed(cmd, stdin=None):
    """Wall ms, CPU ms (user + system, all threads) and stderr of one run."""
    cpu = cpu_ms()
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        sys.exit(f"bench_startup.sh: {' '.join(cmd)} failed: {proc.stderr.decode().strip()}")
    return elapsed, cpu_ms() - cpu, proc.stderr.decode()


def interleaved(commands):
    """Median wall and CPU ms of each command, all run in turn `runs` times (after one warm-up each)."""
    wall, cpu = [[] for _ in commands], [[] for _ in commands]
    for cmd in commands:
        timed(cmd)
    for _ in range(runs):
        for i, cmd in enumerate(commands):
            w, c, _ = timed(cmd)
            wall[i].append(w)
            cpu[i].append(c)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu)]


env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in os.environ}
print(f"bertcls {bertcls}; {runs} interleaved runs, medians; {os.cpu_count()} CPUs; env {env or 'default'}")

(version, version_cpu), (classify, classify_cpu) = interleaved([[bertcls, "--version"], [bertcls, "classify", "-m", model, TEXT]])
print(f"1. bundled model: classify {classify:.1f} ms, --version {version:.1f} ms: ratio {classify / version:.2f} "
      f"(goal <= 2); CPU time {classify_cpu:.1f} / {version_cpu:.1f} ms: {classify_cpu / version_cpu:.2f}")

if base_model:
    forward = []
    whole = []
    whole_cpu = []
    for _ in range(max(5, runs // 3)):
        ms, cpu, err = timed([bertcls, "classify", "--timing", "-m", base_model, TEXT])
        whole.append(ms)
        whole_cpu.append(cpu)
        forward.append(float(re.search(r"forward ([0-9.]+) ms", err).group(1)))
    f, w = statistics.median(forward), statistics.median(whole)
    print(f"2. bert-base (random weights): classify {w:.1f} ms, forward {f:.1f} ms: "
          f"overhead {w - f:.1f} ms (goal <= 20); CPU time of the whole process {statistics.median(whole_cpu):.1f} ms")

words = ["good", "bad", "tired", "happy", "angry", "so", "very", "today", "really", "not", "the", "day", "was"]
texts = [" ".join(words[(i * 7 + k * 3) % len(words)] for k in range(3 + i % 5)) for i in range(lines)]
path = os.path.join(work, "lines.txt")
with open(path, "w") as f:
    f.write("\n".join(texts) + "\n")
batch_ms = min(timed([bertcls, "classify", "-m", model, "--lines", "-f", path])[0] for _ in range(3))
start = time.perf_counter()
for text in texts[:processes]:
    timed([bertcls, "classify", "-m", model, text])
separate_ms = (time.perf_counter() - start) * 1000
per_line_batch, per_line_separate = batch_ms / lines, separate_ms / processes
print(f"3. {lines} short lines: --lines {per_line_batch:.3f} ms/line (best of 3), one process per line "
      f"{per_line_separate:.2f} ms/line ({processes} processes): {per_line_separate / per_line_batch:.0f}x (goal >= 5x)")
EOF
