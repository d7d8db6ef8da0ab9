"""AlbertForSequenceClassification: factorised embeddings projected to hidden_size, and
num_hidden_groups layer weight sets shared across the layers. Head: pooler + tanh, classifier."""
from .bert import BERT_DEFAULTS, EMBEDDINGS, bert_style_config
from .canonical import Family, hf_value
from .errors import ConversionError

DEFAULTS = {**BERT_DEFAULTS, "vocab_size": 30000, "embedding_size": 128, "hidden_size": 4096,
            "num_attention_heads": 64, "intermediate_size": 16384, "hidden_act": "gelu_new"}


def read_config(hf):
    if hf_value(hf, "inner_group_num", 1) != 1:
        raise ConversionError(f"ALBERT with inner_group_num {hf['inner_group_num']} is not "
                              "supported (only 1: one layer per group)")
    c = bert_style_config(hf, DEFAULTS)
    layers, groups = c["num_layers"], hf_value(hf, "num_hidden_groups", 1)
    if not all(type(n) is int and n > 0 for n in (layers, groups)):
        raise ConversionError(f"config.json: invalid num_hidden_layers {layers!r} or num_hidden_groups {groups!r}")
    if groups > layers:
        raise ConversionError(f"ALBERT with more groups ({groups}) than layers ({layers}) is not supported")
    c["num_layer_weights"] = groups
    # The runtime picks set i * groups // layers (docs/FORMAT.md); make sure that is the group
    # transformers uses, int(i / (layers / groups)), for every layer.
    if any(int(i / (layers / groups)) != i * groups // layers for i in range(layers)):
        raise ConversionError(f"ALBERT with {layers} layers in {groups} groups is not supported")
    # embedding_hidden_mapping_in exists even when the sizes are equal.
    c["embedding_projection"] = True
    return c


LAYER = "encoder.albert_layer_groups.{g}.albert_layers.0."

FAMILY = Family(
    name="albert",
    architecture="AlbertForSequenceClassification",
    prefix="albert.",
    read_config=read_config,
    names={**EMBEDDINGS,
           "embeddings.projection.{p}": "encoder.embedding_hidden_mapping_in.{p}",
           "layers.{g}.attention.qkv.{p}": [LAYER + "attention.query.{p}",
                                            LAYER + "attention.key.{p}",
                                            LAYER + "attention.value.{p}"],
           "layers.{g}.attention.output.{p}": LAYER + "attention.dense.{p}",
           "layers.{g}.attention.norm.{p}": LAYER + "attention.LayerNorm.{p}",
           "layers.{g}.ffn.intermediate.{p}": LAYER + "ffn.{p}",
           "layers.{g}.ffn.output.{p}": LAYER + "ffn_output.{p}",
           "layers.{g}.ffn.norm.{p}": LAYER + "full_layer_layer_norm.{p}",
           "head.dense.{p}": "pooler.{p}",
           "head.out.{p}": "classifier.{p}"},
)
