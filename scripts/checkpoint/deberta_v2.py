"""DebertaV2ForSequenceClassification (DeBERTa-v2 and v3): disentangled attention over relative
positions (log buckets), no absolute positions or token types in v3, an optional ConvLayer beside
the first layer (v2-xlarge), post-LayerNorm layers as BERT, and the ContextPooler head (first
token -> dense -> pooler_hidden_act -> classifier).

Its structure differs from the canonical BERT encoder, so it declares its own tensor list
(`expected_tensors`, the converter's half of src/models/deberta_v2.cpp's weight_table) and the
family settings the runtime reads from the config (docs/FORMAT.md, "DeBERTa")."""
from .bert import bert_style_config
from .canonical import Family, hf_activation, hf_bool, hf_int, hf_value
from .errors import ConversionError

# DebertaV2Config's defaults (transformers 5): config.json leaves out values equal to them;
# the others are getattr() defaults of the modeling code.
DEFAULTS = {
    "vocab_size": 128100, "hidden_size": 1536, "num_hidden_layers": 24, "num_attention_heads": 24,
    "intermediate_size": 6144, "hidden_act": "gelu", "max_position_embeddings": 512,
    "type_vocab_size": 0, "layer_norm_eps": 1e-7, "relative_attention": False,
    "max_relative_positions": -1, "pad_token_id": 0, "position_biased_input": True,
    "pos_att_type": None, "pooler_hidden_act": "gelu", "position_buckets": -1,
    "share_att_key": False, "norm_rel_ebd": "none", "conv_kernel_size": 0, "conv_act": "tanh",
    "conv_groups": 1,
}
POS_ATT_TYPES = ("c2p", "p2c")


def _pos_att_type(value):
    """A list, or the older "p2c|c2p" string; unknown kinds are refused (transformers would
    silently ignore them, changing nothing but the score scale)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [x.strip() for x in value.lower().split("|") if x.strip()]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ConversionError(f"config.json: pos_att_type must be a list or a '|'-separated string, got {value!r}")
    for kind in value:
        if kind not in POS_ATT_TYPES:
            raise ConversionError(f"config.json: unsupported pos_att_type {kind!r} (supported: c2p, p2c)")
    return [kind for kind in POS_ATT_TYPES if kind in value]


def _activation(hf, key):
    return hf_activation(hf, key, DEFAULTS[key])


def _int(hf, key):
    return hf_int(hf, key, DEFAULTS[key])


def _bool(hf, key):
    return hf_bool(hf, key, DEFAULTS[key])


def read_config(hf):
    def get(key):
        return hf_value(hf, key, DEFAULTS[key])
    hidden = get("hidden_size")
    embedding = hf_value(hf, "embedding_size", hidden)
    pooler = hf_value(hf, "pooler_hidden_size", hidden)
    if pooler != hidden:
        raise ConversionError(f"config.json: pooler_hidden_size {pooler!r} differs from hidden_size {hidden!r} "
                              "(ContextPooler reads the first token's hidden state)")
    heads = get("num_attention_heads")
    if hf.get("attention_head_size") is not None and hf["attention_head_size"] * heads != hidden:
        raise ConversionError("config.json: attention_head_size other than hidden_size / num_attention_heads "
                              "is not supported")
    max_positions = get("max_position_embeddings")
    relative = _bool(hf, "relative_attention")
    max_relative = _int(hf, "max_relative_positions")
    if max_relative < 1:
        max_relative = max_positions
    buckets = _int(hf, "position_buckets")
    norm_rel = [x.strip() for x in str(get("norm_rel_ebd")).lower().split("|")]
    conv_kernel = _int(hf, "conv_kernel_size")
    conv_groups = _int(hf, "conv_groups")
    if conv_kernel < 0 or (conv_kernel > 0 and conv_kernel % 2 == 0):
        # transformers pads (k - 1) // 2 on both sides: an even kernel changes the length.
        raise ConversionError(f"config.json: conv_kernel_size {conv_kernel} is not supported (odd sizes only)")
    if conv_kernel and (conv_groups <= 0 or type(hidden) is int and hidden % conv_groups):
        raise ConversionError(f"config.json: conv_groups {conv_groups} does not divide hidden_size {hidden}")
    return {
        **bert_style_config(hf, DEFAULTS),
        "embedding_size": embedding,
        # embed_proj (no bias) runs before the embedding LayerNorm in DeBERTa.
        "embedding_projection": embedding != hidden,
        "head_activation": _activation(hf, "pooler_hidden_act"),
        # The family's own settings (src/models/deberta_v2.cpp reads them).
        "position_biased_input": _bool(hf, "position_biased_input"),
        "relative_attention": relative,
        "max_relative_positions": max_relative,
        "position_buckets": max(buckets, 0),
        "pos_att_type": _pos_att_type(get("pos_att_type")),
        "share_att_key": _bool(hf, "share_att_key"),
        "norm_rel_ebd": "layer_norm" in norm_rel,
        "conv_kernel_size": conv_kernel,
        "conv_act": _activation(hf, "conv_act") if conv_kernel else "tanh",
        "conv_groups": conv_groups if conv_kernel else 1,
    }


def attention_span(c):
    """Rows of each half of the relative embedding table: position_buckets, else
    max_relative_positions."""
    return c["position_buckets"] if c["position_buckets"] > 0 else c["max_relative_positions"]


def expected_tensors(c):
    """[(canonical name, shape)] in file order: docs/FORMAT.md, "DeBERTa"."""
    V, E, H, I, C = c["vocab_size"], c["embedding_size"], c["hidden_size"], c["intermediate_size"], len(c["labels"])
    t = [("embeddings.word", [V, E])]
    if c["position_biased_input"]:
        t.append(("embeddings.position", [c["max_position_embeddings"], E]))
    if c["type_vocab_size"]:
        t.append(("embeddings.token_type", [c["type_vocab_size"], E]))
    if c["embedding_projection"]:
        t.append(("embeddings.projection.weight", [H, E]))
    t += [("embeddings.norm.weight", [H]), ("embeddings.norm.bias", [H])]
    if c["relative_attention"]:
        t.append(("relative.embeddings", [2 * attention_span(c), H]))
        if c["norm_rel_ebd"]:
            t += [("relative.norm.weight", [H]), ("relative.norm.bias", [H])]
    separate = c["relative_attention"] and not c["share_att_key"]
    for g in range(c["num_layer_weights"]):
        parts = [("attention.qkv", 3 * H, H)]
        if separate and "c2p" in c["pos_att_type"]:
            parts.append(("attention.pos_key", H, H))
        if separate and "p2c" in c["pos_att_type"]:
            parts.append(("attention.pos_query", H, H))
        parts += [("attention.output", H, H), ("attention.norm", H, None), ("ffn.intermediate", I, H),
                  ("ffn.output", H, I), ("ffn.norm", H, None)]
        for part, out, inp in parts:
            t += [(f"layers.{g}.{part}.weight", [out, inp] if inp else [out]),
                  (f"layers.{g}.{part}.bias", [out])]
    if c["conv_kernel_size"]:
        t += [("conv.weight", [H, H // c["conv_groups"], c["conv_kernel_size"]]), ("conv.bias", [H]),
              ("conv.norm.weight", [H]), ("conv.norm.bias", [H])]
    t += [("head.dense.weight", [H, H]), ("head.dense.bias", [H]),
          ("head.out.weight", [C, H]), ("head.out.bias", [C])]
    return t


LAYER = "encoder.layer.{g}."

FAMILY = Family(
    name="deberta-v2",
    architecture="DebertaV2ForSequenceClassification",
    prefix="deberta.",
    read_config=read_config,
    tensors=expected_tensors,
    names={
        "embeddings.word": "embeddings.word_embeddings.weight",
        "embeddings.position": "embeddings.position_embeddings.weight",
        "embeddings.token_type": "embeddings.token_type_embeddings.weight",
        "embeddings.projection.{p}": "embeddings.embed_proj.{p}",
        "embeddings.norm.{p}": "embeddings.LayerNorm.{p}",
        "relative.embeddings": "encoder.rel_embeddings.weight",
        "relative.norm.{p}": "encoder.LayerNorm.{p}",
        "layers.{g}.attention.qkv.{p}": [LAYER + "attention.self.query_proj.{p}",
                                         LAYER + "attention.self.key_proj.{p}",
                                         LAYER + "attention.self.value_proj.{p}"],
        "layers.{g}.attention.pos_key.{p}": LAYER + "attention.self.pos_key_proj.{p}",
        "layers.{g}.attention.pos_query.{p}": LAYER + "attention.self.pos_query_proj.{p}",
        "layers.{g}.attention.output.{p}": LAYER + "attention.output.dense.{p}",
        "layers.{g}.attention.norm.{p}": LAYER + "attention.output.LayerNorm.{p}",
        "layers.{g}.ffn.intermediate.{p}": LAYER + "intermediate.dense.{p}",
        "layers.{g}.ffn.output.{p}": LAYER + "output.dense.{p}",
        "layers.{g}.ffn.norm.{p}": LAYER + "output.LayerNorm.{p}",
        "conv.{p}": "encoder.conv.conv.{p}",
        "conv.norm.{p}": "encoder.conv.LayerNorm.{p}",
        "head.dense.{p}": "pooler.dense.{p}",
        "head.out.{p}": "classifier.{p}",
    },
)
