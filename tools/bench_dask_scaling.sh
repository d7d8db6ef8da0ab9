#!/usr/bin/env bash
# Scaling of `bertcls batch` over Dask workers on one machine (docs/PERFORMANCE.md, "Scale out"):
# 1, 2, 4, 8 single-threaded dask-worker processes under scripts/bertcls-dask against one
# `bertcls batch --threads N` process, on the same input. Prints records/s and the efficiency
# against 1 worker (rate / (workers x rate of 1 worker)) and against one `bertcls batch --threads 1`
# per core (rate / (cores used x its rate)), and checks that every output is
# byte-identical to the single run's.
#
# usage: tools/bench_dask_scaling.sh [MODEL]        # default: the bundled model
#        tools/bench_dask_scaling.sh bert-base       # a random bert-base, made with SHARED's tools
# env:   WORKERS="1 2 4 8"  RECORDS=200000  WORDS=8 (words per text; e.g. 40 for ~64 tokens)
#        SHARD_LINES (default: RECORDS / (4 x the most workers), at least 1000: 4 shards per worker
#        balance the end of the run; each task starts bertcls and loads the model, so a shard should
#        hold seconds of work)  BERTCLS=build/bertcls  SHARED=../shared  PYTHON=/usr/bin/python3
#        PIN=1: pin worker i (and the threads of bertcls batch --threads N) to core i (taskset)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/emotion-bert-L2-H128.bertcls}
workers_list=${WORKERS:-1 2 4 8}
records=${RECORDS:-200000}
words=${WORDS:-8}
most=$(for n in $workers_list; do echo "$n"; done | sort -n | tail -1)
shard_lines=${SHARD_LINES:-$(( records / (4 * most) > 1000 ? records / (4 * most) : 1000 ))}
bertcls=$(realpath "${BERTCLS:-build/bertcls}")
py=${PYTHON:-/usr/bin/python3}
shared=${SHARED:-../shared}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export OMP_WAIT_POLICY=passive PATH="$(dirname "$bertcls"):$PATH"

if [ "$model" = bert-base ]; then
  echo "== making a random bert-base with $shared/tools/make_random_bert.py" >&2
  $py "$shared/tools/make_random_bert.py" "$work/base" --preset base >"$work/prepare.log" 2>&1
  $py scripts/convert_checkpoint.py "$work/base" -o "$work/base.bertcls" >>"$work/prepare.log" 2>&1
  model=$work/base.bertcls
fi
model=$(realpath "$model")

$py - "$records" "$words" >"$work/in.jsonl" <<'EOF'
import json, random, sys
records, words = int(sys.argv[1]), int(sys.argv[2])
vocab = ("i feel so happy today sad angry love scared surprised the a not very really tired of this "
         "wonderful day night work home friend family movie story great bad").split()
rng = random.Random(0)
for i in range(records):
    print(json.dumps({"id": i, "text": " ".join(rng.choice(vocab) for _ in range(rng.randint(words // 2, words * 3 // 2 + 1)))}))
EOF

rate() { $py -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):.0f}')" "$records" "$1"; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); $py -c "print($e - $s)"; }
cores=$(nproc)
echo "== $(lscpu | sed -n 's/^Model name: *//p'), $cores cores, load $(cut -d' ' -f1 /proc/loadavg); model $(basename "$model"); $records records of ~$words words; shards of $shard_lines lines"

echo "| run | processes x threads | records/s | efficiency vs 1 | vs batch --threads 1 per core |"
echo "|---|---|---|---|---|"
one=""
base=""
for n in $workers_list; do
  [ "$n" -gt "$cores" ] && continue
  pin=""; [ "${PIN:-0}" = 1 ] && pin="taskset -c 0-$((n - 1))"
  t=$(seconds $pin "$bertcls" batch -q -m "$model" -i "$work/in.jsonl" -o "$work/single.$n" --threads "$n")
  r=$(rate "$t")
  [ -z "$one" ] && one=$r
  [ -z "$base" ] && [ "$n" = 1 ] && base=$r
  cmp -s "$work/single.$n" "$work/single.${workers_list%% *}" || { echo "outputs differ" >&2; exit 1; }
  echo "| bertcls batch --threads $n | 1 x $n | $r | $($py -c "print(f'{$r / ($n * $one):.0%}')") | $($py -c "print(f'{$r / ($n * ${base:-$one}):.0%}')") |"
done

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
address=tcp://127.0.0.1:$port
setsid dask-scheduler --host 127.0.0.1 --port "$port" --no-dashboard >"$work/scheduler.log" 2>&1 &
pids+=($!); disown $!
one=""
for n in $workers_list; do
  [ "$n" -gt "$cores" ] && continue
  worker_pids=()
  for i in $(seq 0 $((n - 1))); do
    pin=""; [ "${PIN:-0}" = 1 ] && pin="taskset -c $i"
    setsid $pin dask-worker "$address" --nthreads 1 --no-nanny --no-dashboard --host 127.0.0.1 \
      --local-directory "$work/w$i" >"$work/worker.$i.log" 2>&1 &
    worker_pids+=($!)
    pids+=($!); disown $!
  done
  $py - "$address" "$n" <<'EOF'
import sys, time
from distributed import Client
with Client(sys.argv[1], timeout=60) as c:
    deadline = time.time() + 120
    while len(c.scheduler_info()["workers"]) < int(sys.argv[2]):
        assert time.time() < deadline, "workers did not start"
        time.sleep(0.2)
EOF
  t=$(seconds $py scripts/bertcls-dask --scheduler "$address" -q -i "$work/in.jsonl" -o "$work/dask.$n" \
        --bertcls "$bertcls" --shard-lines "$shard_lines" -- -m "$model" --threads 1)
  cmp -s "$work/dask.$n" "$work/single.${workers_list%% *}" || { echo "bertcls-dask output with $n workers differs" >&2; exit 1; }
  r=$(rate "$t")
  [ -z "$one" ] && one=$r
  echo "| bertcls-dask, $n workers | $n x 1 | $r | $($py -c "print(f'{$r / ($n * $one):.0%}')") | $($py -c "print(f'{$r / ($n * ${base:-$one}):.0%}')") |"
  for p in "${worker_pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  sleep 1
done
