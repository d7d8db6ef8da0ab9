"""The canonical model (docs/FORMAT.md): config fields, the tensor list with its shapes, and
the generic mapping from a family's Hugging Face names onto it.

A family module only declares data: how to read its config.json, its base-model prefix and a
table of canonical name -> Hugging Face name(s). Everything else, every check included, is here.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import ConversionError

# Hugging Face activation names -> the canonical ones. gelu_pytorch_tanh is the same function
# as gelu_new (the tanh approximation), computed by a fused kernel.
HIDDEN_ACTS = {"gelu": "gelu", "gelu_new": "gelu_new", "gelu_pytorch_tanh": "gelu_new", "relu": "relu"}
# A head's dense layer (and DeBERTa's ConvLayer) may also use tanh.
HEAD_ACTIVATIONS = {**HIDDEN_ACTS, "tanh": "tanh"}
FUNCTIONS = ("softmax", "sigmoid", "none")
PROBLEM_TYPES = ("single_label_classification", "multi_label_classification", "regression")


@dataclass(frozen=True)
class Family:
    name: str                  # config "family"
    architecture: str          # the Hugging Face class it converts
    prefix: str                # base-model prefix of the state dict keys, e.g. "bert."
    read_config: Callable      # config.json dict -> the size/activation fields of the config
    names: dict                # canonical name -> Hugging Face name or list of names to stack;
                               # "{g}" is the layer weight set, "{p}" is weight or bias
    tensors: Callable = None   # a family with its own structure: config -> [(name, shape)] in
                               # file order (default: expected_tensors, the BERT encoder)


def hf_value(hf, key, default):
    """config.json omits values equal to the class defaults, so each family passes its own."""
    value = hf.get(key)
    return default if value is None else value


def hf_int(hf, key, default):
    """hf_value, refused unless an integer."""
    value = hf_value(hf, key, default)
    if type(value) is not int:
        raise ConversionError(f"config.json: {key} must be an integer, got {value!r}")
    return value


def hf_bool(hf, key, default):
    """hf_value, refused unless true or false."""
    value = hf_value(hf, key, default)
    if type(value) is not bool:
        raise ConversionError(f"config.json: {key} must be true or false, got {value!r}")
    return value


def hf_activation(hf, key, default):
    """A head's (or DeBERTa's ConvLayer's) activation, by its canonical name."""
    name = hf_value(hf, key, default)
    if not isinstance(name, str) or name not in HEAD_ACTIVATIONS:
        raise ConversionError(f"config.json: unsupported {key} {name!r} (supported: {', '.join(HEAD_ACTIVATIONS)})")
    return HEAD_ACTIVATIONS[name]


def canonical_config(family, hf):
    """The full canonical config (without "tokenizer") from a config.json dict."""
    c = {"family": family.name, "architecture": family.architecture, **family.read_config(hf)}
    act = c["hidden_act"]
    if not isinstance(act, str) or act not in HIDDEN_ACTS:
        raise ConversionError(f"unsupported hidden_act {act!r} (supported: {', '.join(HIDDEN_ACTS)})")
    c["hidden_act"] = HIDDEN_ACTS[act]
    for key in ("vocab_size", "hidden_size", "embedding_size", "num_layers", "num_heads",
                "intermediate_size", "max_position_embeddings", "num_layer_weights"):
        if type(c[key]) is not int or c[key] <= 0:
            raise ConversionError(f"config.json: {key} must be a positive integer, got {c[key]!r}")
    for key in ("type_vocab_size", "pad_token_id"):
        if type(c[key]) is not int or c[key] < 0:
            raise ConversionError(f"config.json: {key} must be a non-negative integer, got {c[key]!r}")
    eps = c["layer_norm_eps"]
    if type(eps) not in (int, float) or not 0 < eps < 1:
        raise ConversionError(f"config.json: invalid layer_norm_eps {eps!r}")
    if c["hidden_size"] % c["num_heads"]:
        raise ConversionError(f"config.json: hidden_size {c['hidden_size']} is not a multiple "
                              f"of the number of heads {c['num_heads']}")
    c["max_length"] = c["max_position_embeddings"] - c["position_offset"]
    if c["max_length"] <= 0:
        raise ConversionError("config.json: max_position_embeddings leaves no room for tokens")
    if c["pad_token_id"] >= c["vocab_size"]:
        raise ConversionError(f"config.json: pad_token_id {c['pad_token_id']} is outside the vocabulary")
    c["labels"] = _labels(hf)
    c["problem_type"] = _problem_type(hf, len(c["labels"]))
    # What transformers' pipelines read besides: a one-label model without problem_type is scored
    # with sigmoid (not raw), config.function_to_apply, and label2id (zero-shot finds the
    # entailment label there), kept as [name, id] pairs in config.json's order.
    c["problem_type_inferred"] = hf.get("problem_type") is None
    function = hf.get("function_to_apply")
    if isinstance(function, str) and function.lower() in FUNCTIONS:
        c["function_to_apply"] = function.lower()
    c["label2id"] = _label2id(hf, c["labels"])
    return c


def _label2id(hf, labels):
    """config.json's label2id as [[name, id], ...] in its order; entries that are not a name
    with an id in 0..n-1 are dropped. Without one, transformers inverts id2label."""
    given = hf.get("label2id")
    if not isinstance(given, dict):
        return [[name, i] for i, name in enumerate(labels)]
    out = []
    for name, value in given.items():
        try:
            value = int(value)
        except (TypeError, ValueError):
            continue
        if 0 <= value < len(labels):
            out.append([str(name), value])
    return out


def _labels(hf):
    id2label = hf.get("id2label")
    if id2label is None:
        count = hf_value(hf, "num_labels", 2)
        if type(count) is not int or count <= 0:
            raise ConversionError(f"config.json: invalid num_labels {count!r}")
        return [f"LABEL_{i}" for i in range(count)]
    try:
        by_id = {int(k): str(v) for k, v in id2label.items()}
    except (AttributeError, ValueError):
        raise ConversionError("config.json: id2label must map integer ids to names") from None
    if sorted(by_id) != list(range(len(by_id))) or not by_id:
        raise ConversionError(f"config.json: id2label ids must be 0..n-1, got {sorted(by_id)}")
    return [by_id[i] for i in range(len(by_id))]


def _problem_type(hf, num_labels):
    problem = hf.get("problem_type")
    if problem is None:  # what transformers infers for float targets
        return "regression" if num_labels == 1 else "single_label_classification"
    if problem not in PROBLEM_TYPES:
        raise ConversionError(f"config.json: unsupported problem_type {problem!r}")
    return problem


# The encoder's four dense (GEMM) weights per layer, which --dtype bf16/int8 converts
# (src/models/bert.cpp is the runtime's side of this table).
DENSE_PARTS = ("attention.qkv", "attention.output", "ffn.intermediate", "ffn.output")


def dense_weight_names(c):
    """The dense weight names, in canonical file order."""
    return [f"layers.{g}.{part}.weight" for g in range(c["num_layer_weights"]) for part in DENSE_PARTS]


def expected_tensors(c):
    """[(canonical name, shape)] in file order, exactly the table of docs/FORMAT.md."""
    V, E, H, I, C = c["vocab_size"], c["embedding_size"], c["hidden_size"], c["intermediate_size"], len(c["labels"])
    t = [("embeddings.word", [V, E]), ("embeddings.position", [c["max_position_embeddings"], E])]
    if c["type_vocab_size"]:
        t.append(("embeddings.token_type", [c["type_vocab_size"], E]))
    t += [("embeddings.norm.weight", [E]), ("embeddings.norm.bias", [E])]
    if c["embedding_projection"]:
        t += [("embeddings.projection.weight", [H, E]), ("embeddings.projection.bias", [H])]
    for g in range(c["num_layer_weights"]):
        for part, out, inp in (("attention.qkv", 3 * H, H), ("attention.output", H, H),
                               ("attention.norm", H, None), ("ffn.intermediate", I, H),
                               ("ffn.output", H, I), ("ffn.norm", H, None)):
            t += [(f"layers.{g}.{part}.weight", [out, inp] if inp else [out]),
                  (f"layers.{g}.{part}.bias", [out])]
    t += [("head.dense.weight", [H, H]), ("head.dense.bias", [H]),
          ("head.out.weight", [C, H]), ("head.out.bias", [C])]
    return t


def _source_names(family, name):
    """The Hugging Face names behind one canonical name, from the family's template table."""
    parts = name.split(".")
    g = parts[1] if parts[0] == "layers" else None
    p = parts[-1] if parts[-1] in ("weight", "bias") else None
    template = ".".join(["layers", "{g}"] + parts[2:] if g is not None else parts)
    if p is not None:
        template = template[:-len(p)] + "{p}"
    sources = family.names[template]
    return [s.format(g=g, p=p) for s in ([sources] if isinstance(sources, str) else sources)]


def _strip_prefix(state, prefix):
    """Accepts keys with or without the base-model prefix, and old LayerNorm gamma/beta names."""
    out = {}
    for key, tensor in state.items():
        if key.startswith(prefix):
            key = key[len(prefix):]
        for old, new in (("LayerNorm.gamma", "LayerNorm.weight"), ("LayerNorm.beta", "LayerNorm.bias")):
            if key.endswith(old):
                key = key[:-len(old)] + new
        out[key] = tensor
    return out


def canonical_tensors(family, c, state):
    """[(name, "F32", shape, produce)] for the bertcls writer. Every source tensor is checked
    for presence, dtype and shape here, before anything is read; unused tensors are ignored."""
    state = _strip_prefix(state, family.prefix)
    entries = []
    for name, shape in (family.tensors or expected_tensors)(c):
        sources = _source_names(family, name)
        parts = []
        for source in sources:
            tensor = state.get(source)
            if tensor is None:
                raise ConversionError(f"missing tensor {family.prefix}{source} (needed for {name})")
            want = [shape[0] // len(sources)] + shape[1:]
            if name == "embeddings.word" and tensor.shape and tensor.shape[0] != c["vocab_size"]:
                raise ConversionError(f"vocab size mismatch: {source} has {tensor.shape[0]} rows, "
                                      f"config.json vocab_size is {c['vocab_size']}")
            if list(tensor.shape) != want:
                raise ConversionError(f"shape mismatch: {source} is {list(tensor.shape)}, expected {want}")
            tensor.require_float(source)
            parts.append((source, tensor))
        entries.append((name, "F32", shape, _producer(parts)))
    return entries


def _producer(parts):
    if len(parts) == 1:
        (source, tensor), = parts
        return lambda: tensor.float32(source)
    return lambda: np.concatenate([tensor.float32(source) for source, tensor in parts])
