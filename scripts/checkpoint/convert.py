"""Converts a Hugging Face checkpoint folder into one bertcls file (docs/FORMAT.md)."""
import json
import os

import numpy as np

from . import albert, bert, deberta_v2, distilbert, electra, layout as weight_layout, modernbert, quantize, roberta
from .compiled_tokenizer import compile_tokenizer
from .canonical import canonical_config, canonical_tensors, dense_weight_names
from .errors import ConversionError
from .safetensors_io import write_bertcls
from .tokenizer_files import read_tokenizer_files, tokenizer_vocab_size
from .weights import load_state_dict

FORMAT_VERSION = "1"
FAMILIES = {family.architecture: family for family in (
    bert.FAMILY, distilbert.FAMILY, roberta.ROBERTA, roberta.XLM_ROBERTA, albert.FAMILY,
    electra.FAMILY, deberta_v2.FAMILY, modernbert.FAMILY)}


def convert(hf_dir, out_path, tokenizer_dir=None, warn=print, dtype="f32", keep_f32=(), layout="blocked",
            bertcls=None):
    """Writes out_path from the checkpoint in hf_dir, tokenizer files from tokenizer_dir
    (default: hf_dir). dtype ("f32", "bf16" or "int8") is the storage of the four dense weights
    of each layer weight set, except those named (or prefixed) by keep_f32, which stay F32
    (quantize.plan; the same plan gives the converted / kept names for a returned config).
    Returns the canonical config. Raises ConversionError for bad input; everything is checked
    before the output is written (a weight that cannot become int8 is found while writing),
    and a failure leaves no file. The compiled tokenizer is made by the bertcls binary `bertcls`
    (default: compiled_tokenizer.find_bertcls)."""
    quantize.check_dtype(dtype)
    weight_layout.check_layout(layout)
    if not os.path.exists(hf_dir):
        raise ConversionError(f"{hf_dir} does not exist")
    if not os.path.isdir(hf_dir):
        raise ConversionError(f"{hf_dir} is not a folder (give the checkpoint folder, the one holding config.json)")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out_path))):
        raise ConversionError(f"output folder of {out_path} does not exist")
    hf = _read_json(os.path.join(hf_dir, "config.json"))
    family = _family(hf)
    config = canonical_config(family, hf)
    weights_file, state = load_state_dict(hf_dir)
    entries = canonical_tensors(family, config, state)
    converted, kept = quantize.plan(config, dtype, keep_f32)
    if keep_f32 and dtype == "f32":
        warn("warning: --keep-f32 has no effect with --dtype f32 (every weight is F32)")
    entries = quantize.apply(entries, dtype, converted)
    entries, blocked = weight_layout.apply(entries, dense_weight_names(config), layout)

    files = _tokenizer_files(tokenizer_dir or hf_dir, config["vocab_size"], required=tokenizer_dir is not None)
    if not files:
        warn(f"warning: no tokenizer files in {hf_dir}; the model will accept only "
             "pre-tokenized input (--input-ids)")
    config["tokenizer"] = {"files": list(files)} if files else None
    # The compiled tokenizer goes first, at the start of the data (a multiple of 64): its arrays
    # (up to 8-byte elements) are used in place, and its length is a multiple of 64, so the
    # tensors after it keep their alignment. The tokenizer files go last, after every F32 (then
    # BF16, then I8) tensor, so each tensor stays aligned to its element size.
    # Its notes wait until the file is written: a failed conversion prints its one error line alone.
    notes = []
    compiled = compile_tokenizer(tokenizer_dir or hf_dir, bertcls, notes.append) if files else None
    if compiled is not None:
        entries.insert(0, ("tokenizer/compiled", "U8", [len(compiled)], lambda: np.frombuffer(compiled, np.uint8)))
    entries += [(f"tokenizer/{name}", "U8", [len(data)], lambda data=data: np.frombuffer(data, np.uint8))
                for name, data in files.items()]

    metadata = {
        "format": "bertcls",
        "format_version": FORMAT_VERSION,
        "config": json.dumps(config, sort_keys=True, separators=(",", ":")),
        "converter": f"scripts/convert_checkpoint.py from "
                     f"{os.path.basename(os.path.abspath(hf_dir))}/{weights_file}",
        "weights_dtype": dtype,
    }
    if dtype != "f32":
        metadata["kept_f32"] = json.dumps(kept, separators=(",", ":"))
    if blocked:
        metadata["blocked_weights"] = json.dumps(blocked, separators=(",", ":"))
    write_bertcls(out_path, metadata, entries)
    for note in notes:
        warn(note)
    return config


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ConversionError(f"{path} not found") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ConversionError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise ConversionError(f"{path} is not a JSON object")
    return data


def _family(hf):
    architectures = hf.get("architectures")
    if isinstance(architectures, list) and architectures:
        architecture = architectures[0]
        if architecture not in FAMILIES:
            raise ConversionError(f"unsupported architecture {architecture!r} in config.json "
                                  f"(supported: {', '.join(FAMILIES)})")
        return FAMILIES[architecture]
    # Some configs (saved from a base model, or written by hand) carry only model_type, which
    # names the family as bertcls does ("bert", "xlm-roberta", ...).
    model_type = hf.get("model_type")
    by_name = {family.name: family for family in FAMILIES.values()}
    if model_type in by_name:
        return by_name[model_type]
    raise ConversionError(f"config.json has no \"architectures\" and its model_type {model_type!r} is not a "
                          f"supported family (supported architectures: {', '.join(FAMILIES)})")


def _tokenizer_files(folder, vocab_size, required):
    if required and not os.path.isdir(folder):
        raise ConversionError(f"tokenizer folder {folder} not found")
    files = read_tokenizer_files(folder)
    if required and not files:
        raise ConversionError(f"no tokenizer files in {folder}")
    size = tokenizer_vocab_size(files)
    if size is not None and size > vocab_size:
        raise ConversionError(f"vocab size mismatch: the tokenizer in {folder} has {size} ids, "
                              f"more than the embedding table's {vocab_size} rows")
    return files
