#!/usr/bin/env bash
# DeBERTa-v3-base and ModernBERT-base shapes (random weights): bertcls against PyTorch fp32
# (transformers; eager for DeBERTa, sdpa for ModernBERT), both pinned to the same cores with 2
# threads: SST-2 dev throughput, latency at seq 128 and 512. For the device machine
# (docs/PERFORMANCE.md, "The floor plan (#18) and the two new families (#19)").
#
# usage: tools/bench_families_device.sh OUT_DIR
#   BERTCLS (default build/bertcls), WORKLOAD (default ../shared/bench/workloads/sst2_dev_ids.jsonl),
#   CORES (default 0,1), PYTHON (default python3: the one with torch and transformers)
set -uo pipefail
out=$1; mkdir -p "$out"
bertcls=${BERTCLS:-build/bertcls}
wl=${WORKLOAD:-../shared/bench/workloads/sst2_dev_ids.jsonl}
py=${PYTHON:-python3}
pin="taskset -c ${CORES:-0,1}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
field() { $py -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }
$py scripts/make_random_deberta.py "$work/deberta" --preset base >"$out/prepare.log" 2>&1
$py scripts/make_random_modernbert.py "$work/modernbert" --preset base >>"$out/prepare.log" 2>&1
for m in deberta modernbert; do
  $py scripts/convert_checkpoint.py "$work/$m" -o "$work/$m.bertcls" >>"$out/prepare.log" 2>&1
  attn=eager; [ $m = modernbert ] && attn=sdpa
  tput=$($pin "$bertcls" bench -m "$work/$m.bertcls" --threads 2 -i "$wl" --reps 2 --json 2>/dev/null | field throughput_seq_s)
  l128=$($pin "$bertcls" bench -m "$work/$m.bertcls" --threads 2 --seq-len 128 --runs 7 --json 2>/dev/null | field latency_ms.median)
  l512=$($pin "$bertcls" bench -m "$work/$m.bertcls" --threads 2 --seq-len 512 --runs 5 --json 2>/dev/null | field latency_ms.median)
  echo "{\"model\": \"$m\", \"engine\": \"bertcls\", \"tput\": $tput, \"lat128_ms\": $l128, \"lat512_ms\": $l512}" | tee -a "$out/families.jsonl"
  t=$($pin $py tools/bench_torch_family.py "$work/$m" "$wl" $attn 2>"$out/torch-$m.err")
  echo "{\"model\": \"$m\", \"engine\": \"torch-$attn\", \"r\": $t}" | tee -a "$out/families.jsonl"
done
