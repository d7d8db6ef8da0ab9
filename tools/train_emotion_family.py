"""Trains a small DeBERTa-v3-style or ModernBERT sequence classifier from scratch on the emotion
training set, so that bf16 and int8 agreement with f32 can be measured on a trained model of each
family (#19; no trained checkpoint of either family can be downloaded where bertcls is tested).
Needs torch and transformers (the device machine); uses the GPU when there is one.

    python3 tools/train_emotion_family.py deberta|modernbert TOKENIZER_DIR DATA_DIR OUT_DIR [--epochs 8]

TOKENIZER_DIR: a WordPiece tokenizer folder (e.g. shared/models/emotion-bert-L2-H128: vocab.txt,
tokenizer.json, tokenizer_config.json), copied into OUT_DIR. DATA_DIR holds train.txt and test.txt
(`text;label_name` with a header). Prints the fp32 test accuracy transformers gets (CPU, eval).
"""
import argparse
import random
import shutil
import sys
import time

try:
    import torch
    from transformers import (BertTokenizer, DebertaV2Config, DebertaV2ForSequenceClassification, ModernBertConfig,
                              ModernBertForSequenceClassification)
except ImportError as e:
    sys.exit(f"train_emotion_family.py: needs torch and transformers ({e})")


def read_set(path):
    rows = [line.rstrip("\n").rsplit(";", 1) for line in open(path, encoding="utf-8")][1:]
    return [text for text, _ in rows], [label for _, label in rows]


def make_model(family, vocab, labels, tok):
    common = dict(vocab_size=vocab, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                  num_labels=len(labels), id2label=dict(enumerate(labels)),
                  label2id={l: i for i, l in enumerate(labels)}, pad_token_id=tok.pad_token_id)
    if family == "deberta":  # v3 settings: relative c2p + p2c, log buckets, shared keys, no absolute positions
        config = DebertaV2Config(intermediate_size=1024, max_position_embeddings=512, relative_attention=True,
                                 position_buckets=32, max_relative_positions=-1, pos_att_type=["p2c", "c2p"],
                                 norm_rel_ebd="layer_norm", share_att_key=True, position_biased_input=False,
                                 type_vocab_size=0, **common)
        return DebertaV2ForSequenceClassification(config)
    # A window of 16 (8 each side) so that the sliding layers matter on emotion's short texts.
    config = ModernBertConfig(intermediate_size=512, local_attention=16, global_attn_every_n_layers=2,
                              cls_token_id=tok.cls_token_id, sep_token_id=tok.sep_token_id,
                              bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id, **common)
    return ModernBertForSequenceClassification(config)


def batches(tok, texts, labels, size, device):
    for b in range(0, len(texts), size):
        enc = tok(texts[b:b + size], padding=True, truncation=True, max_length=128, return_tensors="pt")
        enc.pop("token_type_ids", None)  # neither family has token types
        yield {k: v.to(device) for k, v in enc.items()}, torch.tensor(labels[b:b + size], device=device)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("family", choices=["deberta", "modernbert"])
    p.add_argument("tokenizer")
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=8)
    a = p.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    tok = BertTokenizer.from_pretrained(a.tokenizer)
    train_x, train_y = read_set(f"{a.data}/train.txt")
    test_x, test_y = read_set(f"{a.data}/test.txt")
    labels = sorted(set(train_y))
    index = {l: i for i, l in enumerate(labels)}
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = make_model(a.family, len(tok), labels, tok).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
    order = list(range(len(train_x)))
    start = time.time()
    for epoch in range(a.epochs):
        random.shuffle(order)
        xs, ys = [train_x[i] for i in order], [index[train_y[i]] for i in order]
        model.train()
        total = 0.0
        for enc, y in batches(tok, xs, ys, 64, device):
            loss = model(**enc, labels=y).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        print(f"  epoch {epoch} loss {total / (len(xs) / 64):.4f}", flush=True)
    model = model.float().cpu().eval()
    correct = 0
    with torch.inference_mode():
        for enc, y in batches(tok, test_x, [index[l] for l in test_y], 64, "cpu"):
            correct += (model(**enc).logits.argmax(-1) == y).sum().item()
    print(f"{a.family}: emotion test accuracy {correct / len(test_x):.4f} (fp32, transformers, CPU), "
          f"trained in {time.time() - start:.0f} s on {device}")
    model.save_pretrained(a.out)
    for f in ("vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(f"{a.tokenizer}/{f}", a.out)


if __name__ == "__main__":
    main()
