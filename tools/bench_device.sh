#!/usr/bin/env bash
# Side-by-side peers on one machine that has Python torch, onnxruntime and tokenizers (the
# device machine; see docs/PERFORMANCE.md): both sides pinned to the same cores.
#   1. bert-base (random weights), 2 threads: ONNX Runtime f32 and dynamic int8
#      (onnxruntime.quantization.quantize_dynamic) against bertcls f32, bf16 and int8:
#      latency at seq 128 (batch 1) and SST-2 dev throughput (length-sorted batches).
#   2. Tokenizers, 1 thread: tools/bench_tokenizer against Hugging Face tokenizers (Python).
#
# usage: tools/bench_device.sh SHARED_DIR OUT_DIR
#   BERTCLS, BENCH_TOKENIZER: commands to run (default build/bertcls, build/bench_tokenizer);
#   CORES (default 0,1); THREADS: thread counts for the engine rows (default 2; "1 2" for both,
#   each pinned to that many of CORES); DTYPES (default "f32 bf16 int8"); ORT_MODELS (default
#   "model.onnx model.int8.onnx"); PYTHON (default python3); SKIP_TOKENIZERS=1.
set -euo pipefail
shared=$1
out=$2
mkdir -p "$out"
bertcls=${BERTCLS:-build/bertcls}
bench_tokenizer=${BENCH_TOKENIZER:-build/bench_tokenizer}
cores=${CORES:-0,1}
py=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pin2="taskset -c $cores"
pin1="taskset -c ${cores%%,*}"
field() { $py -c 'import json,sys; j=json.load(sys.stdin); v=j
for k in sys.argv[1].split("."): v=v[k]
print(v)' "$1"; }

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), pinned to cores $cores;" \
  "$(grep -o -w -E 'avx512_vnni|avx512_bf16|amx_bf16|amx_int8' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "== making bert-base, its ONNX export and ORT's dynamic-int8 model"
log="$out/prepare.log"
$py "$shared/tools/make_random_bert.py" "$work/base" --preset base >"$log" 2>&1
$py scripts/convert_checkpoint.py "$work/base" -o "$work/base.bertcls" >>"$log" 2>&1
$py "$shared/bench/py/bert_ref.py" export --model "$work/base" >>"$log" 2>&1
$py tools/quantize_onnx_dynamic.py "$work/base/model.onnx" "$work/base/model.int8.onnx" >>"$log" 2>&1

wl="$shared/bench/workloads"
{
  echo "| engine | threads | latency seq 128 (ms) | SST-2 throughput (seq/s) |"
  echo "|---|---|---|---|"
  for t in ${THREADS:-2}; do
    pin="taskset -c $(echo "$cores" | cut -d, -f1-"$t")"
    for onnx in ${ORT_MODELS:-model.onnx model.int8.onnx}; do
      r=$($pin $py tools/bench_ort.py --model "$work/base/$onnx" --threads "$t" --workload "$wl/sst2_dev.json")
      echo "$r" > "$out/ort-$onnx-$t.json"
      printf '| ONNX Runtime %s | %s | %.2f | %.1f |\n' "${onnx%.onnx}" "$t" "$(echo "$r" | field latency_ms.median)" "$(echo "$r" | field throughput_seq_s)"
    done
    for dtype in ${DTYPES:-f32 bf16 int8}; do
      lat=$($pin $bertcls bench -m "$work/base.bertcls" --dtype "$dtype" --threads "$t" --seq-len 128 --batch 1 --json 2>"$out/bertcls-$dtype.err")
      tput=$($pin $bertcls bench -m "$work/base.bertcls" --dtype "$dtype" --threads "$t" -i "$wl/sst2_dev_ids.jsonl" --json 2>>"$out/bertcls-$dtype.err")
      echo "$lat" > "$out/bertcls-$dtype-$t-latency.json"; echo "$tput" > "$out/bertcls-$dtype-$t-throughput.json"
      printf '| bertcls %s | %s | %.2f | %.1f |\n' "$dtype" "$t" "$(echo "$lat" | field latency_ms.median)" "$(echo "$tput" | field throughput_seq_s)"
    done
  done
} | tee "$out/engines.md"

# Start-up: bertcls process start to printed answer (one SST-2 sentence, warm page cache, median
# of 5) against ONNX Runtime's session creation plus one run inside an already started Python.
ids=$(head -1 "$wl/sst2_dev_ids.jsonl" | $py -c 'import json,sys; print(",".join(map(str, json.load(sys.stdin)["input_ids"])))')
walls=()
for i in 1 2 3 4 5 6; do
  t0=$(date +%s%N); $pin2 $bertcls classify -m "$work/base.bertcls" --threads 2 --input-ids "$ids" >/dev/null; t1=$(date +%s%N)
  [[ $i -gt 1 ]] && walls+=($(( (t1 - t0) / 1000000 )))
done
ours=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
theirs=$($py -c 'import json,sys; j=json.load(open(sys.argv[1])); print(round(j["load_ms"] + j["latency_ms"]["median"]))' "$out/ort-model.onnx-$(echo "${THREADS:-2}" | awk '{print $NF}').json")
echo "| start-up + one classification, f32 | bertcls ${ours} ms (process wall) | ONNX Runtime ${theirs} ms (session + one run) | $($py -c "print(round($ours / $theirs, 3))")x |" | tee -a "$out/engines.md"

[[ ${SKIP_TOKENIZERS:-0} == 1 ]] && exit 0
echo "== tokenizers, one thread"
for i in 1 2 3 4; do cut -f1 "$shared/data/ag_news/test.tsv"; done > "$work/ag_news.txt"
$py -c 'import json,sys; [print(json.loads(l)["text"].replace("\n"," ").replace("\r"," ")) for l in open(sys.argv[1]) if json.loads(l)["text"].strip()]' \
  "$shared/tokenizers/parity/expected.jsonl" > "$work/multilingual.txt"
{
  echo "| tokenizer | text | bertcls MB/s | HF tokenizers (Python) MB/s | ratio |"
  echo "|---|---|---|---|---|"
  for tok in bert-base-uncased roberta-bpe albert-spm xlmr-spm; do
    for text in ag_news multilingual; do
      ours=$($pin1 $bench_tokenizer --tokenizer "$shared/tokenizers/$tok" --input "$work/$text.txt" --repeat 3 | sed -n 's/^throughput: \([0-9.]*\) MB\/s.*/\1/p')
      theirs=$(RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false $pin1 $py tools/bench_hf_tokenizers.py "$shared/tokenizers/$tok/tokenizer.json" "$work/$text.txt" 3 | field mb_s_median)
      printf '| %s | %s | %.1f | %.1f | %.1fx |\n' "$tok" "$text" "$ours" "$theirs" "$($py -c "print($ours / $theirs)")"
    done
  done
} | tee "$out/tokenizers.md"
