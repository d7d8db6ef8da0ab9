"""ModernBertForSequenceClassification: pre-LayerNorm encoder with rotary positions (NeoX
style, one theta for global layers and one for sliding-window layers), global attention on some
layers and a symmetric window of local_attention // 2 tokens on each side on the others, a GeGLU
feed-forward, LayerNorms without bias (norm_bias false) and bias-free projections
(attention_bias, mlp_bias false), a final LayerNorm, and a head that pools (first token or
masked mean), then dense -> classifier_activation -> LayerNorm -> classifier.

Two config.json layouts exist and both are read: released checkpoints carry
global_rope_theta, local_rope_theta and global_attn_every_n_layers; transformers 5 writes
layer_types and rope_parameters keyed by full_attention / sliding_attention.

Its own structure, so its own tensor list (expected_tensors below, the converter's half of
src/models/modernbert.cpp's weight table). The dense weights keep the canonical names
(layers.g.attention.qkv / attention.output / ffn.intermediate / ffn.output) so --dtype and
--layout treat them as every family's; ffn.intermediate is Wi, [2I, H]: the GELU input rows, then
the gate rows."""
from .canonical import Family, hf_activation, hf_bool, hf_value
from .errors import ConversionError

# ModernBertConfig's defaults: config.json leaves out values equal to them.
DEFAULTS = {
    "vocab_size": 50368, "hidden_size": 768, "intermediate_size": 1152, "num_hidden_layers": 22,
    "num_attention_heads": 12, "hidden_activation": "gelu", "max_position_embeddings": 8192,
    "norm_eps": 1e-5, "norm_bias": False, "pad_token_id": 50283, "attention_bias": False,
    "local_attention": 128, "mlp_bias": False, "classifier_pooling": "cls", "classifier_bias": False,
    "classifier_activation": "gelu", "global_attn_every_n_layers": 3,
    "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
}
LAYER_TYPES = ("full_attention", "sliding_attention")

# canonical name -> Hugging Face name (after the "model." prefix); "{g}" layer, "{p}" weight/bias.
NAMES = {
    "embeddings.word": "embeddings.tok_embeddings.weight",
    "embeddings.norm.{p}": "embeddings.norm.{p}",
    "layers.{g}.attention.norm.{p}": "layers.{g}.attn_norm.{p}",
    "layers.{g}.attention.qkv.{p}": "layers.{g}.attn.Wqkv.{p}",
    "layers.{g}.attention.output.{p}": "layers.{g}.attn.Wo.{p}",
    "layers.{g}.ffn.norm.{p}": "layers.{g}.mlp_norm.{p}",
    "layers.{g}.ffn.intermediate.{p}": "layers.{g}.mlp.Wi.{p}",
    "layers.{g}.ffn.output.{p}": "layers.{g}.mlp.Wo.{p}",
    "final_norm.{p}": "final_norm.{p}",
    "head.dense.{p}": "head.dense.{p}",
    "head.norm.{p}": "head.norm.{p}",
    "head.out.{p}": "classifier.{p}",
}


def _bool(hf, key):
    return hf_bool(hf, key, DEFAULTS[key])


def _positive_number(value, what):
    if type(value) not in (int, float) or not value > 0:
        raise ConversionError(f"config.json: {what} must be a positive number, got {value!r}")
    return float(value)


def _layer_types(hf, layers):
    """Global or sliding, per layer: layer_types (transformers 5), else every
    global_attn_every_n_layers-th layer (from layer 0) is global."""
    types = hf.get("layer_types")
    if types is not None:
        if not isinstance(types, list) or len(types) != layers or any(t not in LAYER_TYPES for t in types):
            raise ConversionError(f"config.json: layer_types must list {layers} of {', '.join(LAYER_TYPES)}, "
                                  f"got {types!r}")
        return list(types)
    every = hf_value(hf, "global_attn_every_n_layers", DEFAULTS["global_attn_every_n_layers"])
    if type(every) is not int or every <= 0:
        raise ConversionError(f"config.json: global_attn_every_n_layers must be a positive integer, got {every!r}")
    return ["full_attention" if i % every == 0 else "sliding_attention" for i in range(layers)]


def _rope_theta(hf, layer_type, released_key):
    """rope_parameters[layer_type].rope_theta (transformers 5), else the released key."""
    parameters = hf.get("rope_parameters")
    if parameters is not None:
        if not isinstance(parameters, dict):
            raise ConversionError(f"config.json: rope_parameters must be an object, got {parameters!r}")
        entry = parameters.get(layer_type)
        if entry is not None:
            if not isinstance(entry, dict):
                raise ConversionError(f"config.json: rope_parameters.{layer_type} must be an object")
            rope_type = entry.get("rope_type", entry.get("type", "default"))
            if rope_type != "default":
                raise ConversionError(f"config.json: rope_parameters.{layer_type}.rope_type {rope_type!r} is not "
                                      f"supported (only 'default')")
            factor = entry.get("partial_rotary_factor", 1.0)
            if factor != 1.0:
                raise ConversionError(f"config.json: rope_parameters.{layer_type}.partial_rotary_factor {factor!r} "
                                      f"is not supported (only 1.0)")
            if "rope_theta" in entry:
                return _positive_number(entry["rope_theta"], f"rope_parameters.{layer_type}.rope_theta")
    if hf.get("rope_scaling") is not None:
        raise ConversionError("config.json: rope_scaling is not supported")
    return _positive_number(hf_value(hf, released_key, DEFAULTS[released_key]), released_key)


def read_config(hf):
    def get(key):
        return hf_value(hf, key, DEFAULTS[key])
    hidden, layers = get("hidden_size"), get("num_hidden_layers")
    if type(layers) is not int or layers <= 0:
        raise ConversionError(f"config.json: num_hidden_layers must be a positive integer, got {layers!r}")
    window = get("local_attention")
    if type(window) is not int or window < 0:
        raise ConversionError(f"config.json: local_attention must be a non-negative integer, got {window!r}")
    pooling = get("classifier_pooling")
    if pooling not in ("cls", "mean"):
        raise ConversionError(f"config.json: classifier_pooling must be 'cls' or 'mean', got {pooling!r}")
    return {
        "vocab_size": get("vocab_size"),
        "hidden_size": hidden,
        "embedding_size": hidden,
        "num_layers": layers,
        "num_heads": get("num_attention_heads"),
        "intermediate_size": get("intermediate_size"),
        "max_position_embeddings": get("max_position_embeddings"),
        "type_vocab_size": 0,
        "position_offset": 0,
        "pad_token_id": get("pad_token_id"),
        "layer_norm_eps": get("norm_eps"),
        "hidden_act": get("hidden_activation"),
        "num_layer_weights": layers,
        "embedding_projection": False,
        "head_activation": hf_activation(hf, "classifier_activation", DEFAULTS["classifier_activation"]),
        # ModernBERT's own fields (src/models/modernbert.cpp reads them).
        "layer_types": _layer_types(hf, layers),
        "sliding_window": window // 2,  # tokens on each side a sliding layer attends to
        "global_rope_theta": _rope_theta(hf, "full_attention", "global_rope_theta"),
        "local_rope_theta": _rope_theta(hf, "sliding_attention", "local_rope_theta"),
        "classifier_pooling": pooling,
        "attention_bias": _bool(hf, "attention_bias"),
        "mlp_bias": _bool(hf, "mlp_bias"),
        "norm_bias": _bool(hf, "norm_bias"),
        "classifier_bias": _bool(hf, "classifier_bias"),
    }


def expected_tensors(c):
    """[(canonical name, shape)] in file order: docs/FORMAT.md, "ModernBERT"."""
    V, H, I, C = c["vocab_size"], c["hidden_size"], c["intermediate_size"], len(c["labels"])

    def norm(name):
        return [(f"{name}.weight", [H])] + ([(f"{name}.bias", [H])] if c["norm_bias"] else [])

    def linear(name, out, inp, bias):
        return [(f"{name}.weight", [out, inp])] + ([(f"{name}.bias", [out])] if bias else [])

    t = [("embeddings.word", [V, H])] + norm("embeddings.norm")
    for g in range(c["num_layer_weights"]):
        p = f"layers.{g}."
        if g > 0:  # layer 0's attention input is the embedding output itself (no norm)
            t += norm(p + "attention.norm")
        t += linear(p + "attention.qkv", 3 * H, H, c["attention_bias"])
        t += linear(p + "attention.output", H, H, c["attention_bias"])
        t += norm(p + "ffn.norm")
        t += linear(p + "ffn.intermediate", 2 * I, H, c["mlp_bias"])
        t += linear(p + "ffn.output", H, I, c["mlp_bias"])
    t += norm("final_norm")
    t += linear("head.dense", H, H, c["classifier_bias"]) + norm("head.norm")
    t += linear("head.out", C, H, True)
    return t


FAMILY = Family(
    name="modernbert",
    architecture="ModernBertForSequenceClassification",
    prefix="model.",
    read_config=read_config,
    names=NAMES,
    tensors=expected_tensors,
)
