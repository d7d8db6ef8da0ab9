"""PyTorch fp32 peer for tools/bench_families_device.sh: SST-2 dev ids (sorted by length, batches of 32, padded with a mask) and
latency at seq 128 / 512, batch 1. Prints one JSON line."""
import json, statistics, sys, time
import torch
from transformers import AutoModelForSequenceClassification
folder, workload, attn = sys.argv[1], sys.argv[2], sys.argv[3]
torch.set_num_threads(2)
model = AutoModelForSequenceClassification.from_pretrained(folder, attn_implementation=attn).float().eval()
seqs = [json.loads(l)["input_ids"] for l in open(workload)]
seqs.sort(key=len)
def run_all():
    for b in range(0, len(seqs), 32):
        batch = seqs[b:b + 32]; L = max(map(len, batch))
        ids = torch.zeros(len(batch), L, dtype=torch.long); mask = torch.zeros_like(ids)
        for i, s in enumerate(batch):
            ids[i, :len(s)] = torch.tensor(s); mask[i, :len(s)] = 1
        model(input_ids=ids, attention_mask=mask)
out = {}
with torch.inference_mode():
    run_all()
    t = []
    for _ in range(2):
        t0 = time.perf_counter(); run_all(); t.append(time.perf_counter() - t0)
    out["tput"] = len(seqs) / statistics.median(t)
    for L in (128, 512):
        ids = torch.randint(5, 1000, (1, L)); mask = torch.ones_like(ids)
        for _ in range(2): model(input_ids=ids, attention_mask=mask)
        t = []
        for _ in range(7):
            t0 = time.perf_counter(); model(input_ids=ids, attention_mask=mask); t.append(time.perf_counter() - t0)
        out[f"lat{L}_ms"] = 1000 * statistics.median(t)
print(json.dumps(out))
