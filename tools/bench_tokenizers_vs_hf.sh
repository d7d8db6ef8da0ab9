#!/usr/bin/env bash
# Tokenizer throughput on one thread: bertcls against Hugging Face `tokenizers` (Rust, through
# its npm binding), on the same texts, run alternately in one session so the ratio is fair.
#
# usage: tools/bench_tokenizers_vs_hf.sh [BUILD_DIR] [SHARED_DIR]
#   needs: npm install tokenizers@0.23.2 in $HF_TOKENIZERS_DIR (default /tmp/hftok)
set -euo pipefail
build=${1:-build}
shared=${2:-../shared}
hf_dir=${HF_TOKENIZERS_DIR:-/tmp/hftok}
[ -d "$hf_dir/node_modules/tokenizers" ] || {
  echo "install the peer first: mkdir -p $hf_dir && (cd $hf_dir && npm init -y && npm install tokenizers@0.23.2)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Both tools read one text per line.
for i in 1 2 3 4; do cut -f1 "$shared/data/ag_news/test.tsv"; done > "$work/ag_news.txt"
/usr/bin/python3 -c 'import json,sys; [print(json.loads(l)["text"].replace("\n"," ").replace("\r"," ")) for l in open(sys.argv[1]) if json.loads(l)["text"].strip()]' \
  "$shared/tokenizers/parity/expected.jsonl" > "$work/multilingual.txt"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours() { "$build/bench_tokenizer" --tokenizer "$1" --input "$2" --repeat 2 | sed -n 's/^throughput: \([0-9.]*\) MB\/s.*/\1/p'; }
theirs() { RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false NODE_PATH="$hf_dir/node_modules" \
  node "$shared/bench/tokenizers/hf_tokenizers_bench.js" "$1/tokenizer.json" "$2" 2 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["mb_s_median"])'; }

echo "| tokenizer | text | bertcls MB/s | HF tokenizers MB/s | ratio |"
echo "|---|---|---|---|---|"
for tok in bert-base-uncased roberta-bpe albert-spm xlmr-spm; do
  for text in ag_news multilingual; do
    a=(); b=()
    for run in 1 2 3; do
      a+=("$(ours "$shared/tokenizers/$tok" "$work/$text.txt")")
      b+=("$(theirs "$shared/tokenizers/$tok" "$work/$text.txt")")
    done
    ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
    printf '| %s | %s | %.1f | %.1f | %.1fx |\n' "$tok" "$text" "$ma" "$mb" "$(echo "$ma / $mb" | bc -l)"
  done
done
