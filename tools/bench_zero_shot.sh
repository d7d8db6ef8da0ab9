#!/usr/bin/env bash
# Zero-shot throughput: bertcls (batch --zero-shot-labels) against transformers'
# zero-shot-classification pipeline (fp32, torch, batch_size at its best of BATCH_SIZES), both
# pinned to the same cores, on 200 texts x 10 labels with a bert-base-sized NLI model of random
# weights (labels contradiction, neutral, entailment). Runs where Python torch + transformers are
# installed (the device machine; docs/PERFORMANCE.md "Zero-shot").
#
# usage: tools/bench_zero_shot.sh TOKENIZER_DIR OUT_DIR
#   TOKENIZER_DIR: a bert-base-uncased tokenizer (tokenizer.json, tokenizer_config.json), e.g.
#   ../shared/zeroshot/nli-bert-random. BERTCLS (default build/bertcls); CORES (default 0,1);
#   TEXTS (200); BATCH_SIZES for the pipeline (default "1 8 32"); PYTHON (default python3);
#   DTYPES: the bertcls --dtype values to time, each against the same pipeline run (default "f32").
set -euo pipefail
tok=$1
out=$2
mkdir -p "$out"
bertcls=${BERTCLS:-build/bertcls}
cores=${CORES:-0,1}
threads=$(echo "$cores" | tr ',' '\n' | wc -l)
py=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
labels="sports,politics,technology,cooking,business,health,science,travel,music,weather"

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), pinned to cores $cores ($threads threads)"
# The model: BertConfig's defaults are bert-base (12 layers, hidden 768, 12 heads, 30522 vocab).
$py - "$work/nli" "$tok" <<'EOF'
import shutil, sys, torch
from transformers import BertConfig, BertForSequenceClassification
torch.manual_seed(0)
labels = ["contradiction", "neutral", "entailment"]
config = BertConfig(num_labels=3, id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
model = BertForSequenceClassification(config).eval()
model.save_pretrained(sys.argv[1])
for f in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(f"{sys.argv[2]}/{f}", sys.argv[1])
EOF
$py scripts/convert_checkpoint.py "$work/nli" -o "$work/nli.bertcls" > "$out/convert.log" 2>&1

# 200 texts of 8 to 40 words (news-like sentences from a fixed vocabulary, seeded).
$py - "$work/texts.jsonl" "${TEXTS:-200}" <<'EOF'
import json, random, sys
random.seed(7)
words = ("the team won a final after match government passed new budget on tuesday phone battery lasts "
         "two days recipe with fresh tomatoes and basil company reported profits quarter doctors say "
         "exercise helps sleep researchers found planet orbiting distant star flights delayed by storm "
         "band released album tour next summer rain expected across north coast weekend market shares "
         "fell sharply investors worried about inflation minister announced plan schools hospital").split()
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        n = random.randint(8, 40)
        text = " ".join(random.choice(words) for _ in range(n)).capitalize() + "."
        f.write(json.dumps({"text": text}) + "\n")
EOF

pin="taskset -c $cores"
dtypes=${DTYPES:-f32}
# bertcls: the whole run, process start and model load included.
for dtype in $dtypes; do
  start=$(date +%s.%N)
  $pin "$bertcls" batch -m "$work/nli.bertcls" --dtype "$dtype" --zero-shot-labels "$labels" --threads "$threads" -q \
    --timing -i "$work/texts.jsonl" -o "$out/bertcls-$dtype.jsonl" 2> "$out/bertcls-$dtype.err"
  end=$(date +%s.%N)
  $py -c "print(f'{$end - $start:.2f}')" > "$out/bertcls-$dtype.seconds"
  echo "bertcls $dtype: $(cat "$out/bertcls-$dtype.seconds") s for ${TEXTS:-200} texts x 10 labels ($(tr '\n' ' ' < "$out/bertcls-$dtype.err"))"
done

# transformers: the pipeline call only (model loaded and warmed up before the clock starts).
$pin $py - "$work/nli" "$work/texts.jsonl" "$labels" "$threads" "${BATCH_SIZES:-1 8 32}" "$out/transformers.jsonl" <<'EOF' | tee "$out/transformers.txt"
import json, sys, time, torch
from transformers import pipeline
model_dir, texts_path, labels, threads, sizes, out = sys.argv[1:7]
torch.set_num_threads(int(threads))
texts = [json.loads(l)["text"] for l in open(texts_path)]
labels = labels.split(",")
clf = pipeline("zero-shot-classification", model=model_dir, device=-1, dtype=torch.float32)
clf(texts[:2], candidate_labels=labels)
best = None
for bs in map(int, sizes.split()):  # pick batch_size on the first 20 texts
    t = time.perf_counter(); clf(texts[:20], candidate_labels=labels, batch_size=bs); dt = time.perf_counter() - t
    print(f"batch_size {bs}: {dt:.2f} s for 20 texts", flush=True)
    if best is None or dt < best[1]: best = (bs, dt)
t = time.perf_counter()
results = clf(texts, candidate_labels=labels, batch_size=best[0])
dt = time.perf_counter() - t
print(f"transformers: {dt:.2f} s for {len(texts)} texts x {len(labels)} labels at batch_size {best[0]}")
with open(out, "w") as f:
    for r in results: f.write(json.dumps(r) + "\n")
EOF
t=$(sed -n 's/^transformers: \([0-9.]*\) s.*/\1/p' "$out/transformers.txt")
for dtype in $dtypes; do
  b=$(cat "$out/bertcls-$dtype.seconds")
  # The same answers? Top label and largest score difference over all texts.
  $py - "$out/bertcls-$dtype.jsonl" "$out/transformers.jsonl" "$dtype" <<'EOF' | tee -a "$out/agreement.txt"
import json, sys
ours = [json.loads(l)["prediction"] for l in open(sys.argv[1])]
theirs = [json.loads(l) for l in open(sys.argv[2])]
top = sum(a["labels"][0] == b["labels"][0] for a, b in zip(ours, theirs))
diff = max(abs(dict(zip(a["labels"], a["scores"]))[l] - s) for a, b in zip(ours, theirs) for l, s in zip(b["labels"], b["scores"]))
print(f"{sys.argv[3]} agreement: top label {top}/{len(ours)}, max score difference {diff:.2e}")
EOF
  $py -c "print(f'$dtype speed-up: {$t / $b:.2f}x (transformers {$t} s / bertcls {$b} s)')" | tee -a "$out/summary.txt"
done
