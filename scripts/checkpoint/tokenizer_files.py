"""The Hugging Face tokenizer files embedded in a bertcls file, and the vocabulary size they
imply (which must fit the embedding table)."""
import json
import os

from .errors import ConversionError

KNOWN_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
               "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model",
               "added_tokens.json", "spm.model")


def read_tokenizer_files(folder):
    """{file name: bytes} of the known tokenizer files in folder, sorted by name."""
    files = {}
    for name in sorted(KNOWN_FILES):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                files[name] = f.read()
    return files


def tokenizer_vocab_size(files):
    """One more than the largest id the tokenizer can produce, or None if the files do not
    say. tokenizer.json decides when present (the runtime prefers it, as transformers does)."""
    if "tokenizer.json" in files:
        data = _json(files, "tokenizer.json")
        model, added = data.get("model"), data.get("added_tokens") or []
        vocab = model.get("vocab") if isinstance(model, dict) else None
        if not (isinstance(added, list) and all(isinstance(t, dict) and type(t.get("id")) is int
                                                for t in added)):
            raise ConversionError("tokenizer file tokenizer.json: added_tokens is malformed")
        size = len(vocab) if isinstance(vocab, list) else _max_id(vocab, "tokenizer.json")
        return max([size] + [t["id"] + 1 for t in added])
    sizes = []
    if "vocab.txt" in files:  # one token per line, ids are line numbers
        lines = files["vocab.txt"].split(b"\n")
        sizes.append(len(lines) - (lines[-1] == b""))
    for name in ("vocab.json", "added_tokens.json"):
        if name in files:
            sizes.append(_max_id(_json(files, name), name))
    for name in ("spiece.model", "spm.model"):  # ALBERT, DeBERTa-v2/v3
        if name in files:
            sizes.append(_sentencepiece_size(files[name]))
    if "sentencepiece.bpe.model" in files:
        # fairseq convention (XLM-R): ids shifted by one, plus <mask> after the last piece.
        sizes.append(_sentencepiece_size(files["sentencepiece.bpe.model"]) + 2)
    return max(sizes, default=None)


def _json(files, name):
    try:
        data = json.loads(files[name])
    except (UnicodeDecodeError, ValueError) as e:
        raise ConversionError(f"tokenizer file {name} is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise ConversionError(f"tokenizer file {name} is not a JSON object")
    return data


def _max_id(vocab, name):
    if not isinstance(vocab, dict) or not all(type(i) is int for i in vocab.values()):
        raise ConversionError(f"tokenizer file {name}: vocabulary is not a token -> id map")
    return max(vocab.values(), default=-1) + 1


def _sentencepiece_size(data):
    """Number of pieces in a SentencePiece ModelProto: the top-level field-1 records, counted
    with a minimal protobuf walk (no protobuf library needed)."""
    def varint(pos):
        value = shift = 0
        while True:
            if pos >= len(data) or shift > 63:
                raise ConversionError("SentencePiece model is truncated or malformed")
            byte = data[pos]
            value, pos, shift = value | (byte & 0x7F) << shift, pos + 1, shift + 7
            if byte < 0x80:
                return value, pos

    pos = pieces = 0
    while pos < len(data):
        key, pos = varint(pos)
        wire = key & 7
        if wire == 0:
            _, pos = varint(pos)
        elif wire == 2:
            length, pos = varint(pos)
            pos += length
            pieces += key >> 3 == 1
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ConversionError("SentencePiece model is malformed")
    if pos != len(data):
        raise ConversionError("SentencePiece model is truncated")
    return pieces
