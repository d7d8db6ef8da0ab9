"""BertForSequenceClassification, and the BERT-style names and config RoBERTa, ELECTRA and
ALBERT reuse. Head: pooler dense + tanh on the first token, then classifier."""
from .canonical import Family, hf_value

# BertConfig's defaults: config.json leaves out values equal to them.
BERT_DEFAULTS = {
    "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "max_position_embeddings": 512,
    "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
}

EMBEDDINGS = {
    "embeddings.word": "embeddings.word_embeddings.weight",
    "embeddings.position": "embeddings.position_embeddings.weight",
    "embeddings.token_type": "embeddings.token_type_embeddings.weight",
    "embeddings.norm.{p}": "embeddings.LayerNorm.{p}",
}

ENCODER_LAYER = {
    "layers.{g}.attention.qkv.{p}": ["encoder.layer.{g}.attention.self.query.{p}",
                                     "encoder.layer.{g}.attention.self.key.{p}",
                                     "encoder.layer.{g}.attention.self.value.{p}"],
    "layers.{g}.attention.output.{p}": "encoder.layer.{g}.attention.output.dense.{p}",
    "layers.{g}.attention.norm.{p}": "encoder.layer.{g}.attention.output.LayerNorm.{p}",
    "layers.{g}.ffn.intermediate.{p}": "encoder.layer.{g}.intermediate.dense.{p}",
    "layers.{g}.ffn.output.{p}": "encoder.layer.{g}.output.dense.{p}",
    "layers.{g}.ffn.norm.{p}": "encoder.layer.{g}.output.LayerNorm.{p}",
}


def bert_style_config(hf, defaults):
    """Canonical size/activation fields from a BertConfig-style config.json: one weight set
    per layer, BERT positions, tanh head. Families adjust what differs."""
    def get(key):
        return hf_value(hf, key, defaults[key])
    hidden, layers = get("hidden_size"), get("num_hidden_layers")
    return {
        "vocab_size": get("vocab_size"),
        "hidden_size": hidden,
        "embedding_size": get("embedding_size") if "embedding_size" in defaults else hidden,
        "num_layers": layers,
        "num_heads": get("num_attention_heads"),
        "intermediate_size": get("intermediate_size"),
        "max_position_embeddings": get("max_position_embeddings"),
        "type_vocab_size": get("type_vocab_size"),
        "position_offset": 0,
        "pad_token_id": get("pad_token_id"),
        "layer_norm_eps": get("layer_norm_eps"),
        "hidden_act": get("hidden_act"),
        "num_layer_weights": layers,
        "embedding_projection": False,
        "head_activation": "tanh",
    }


FAMILY = Family(
    name="bert",
    architecture="BertForSequenceClassification",
    prefix="bert.",
    read_config=lambda hf: bert_style_config(hf, BERT_DEFAULTS),
    names={**EMBEDDINGS, **ENCODER_LAYER,
           "head.dense.{p}": "pooler.dense.{p}",
           "head.out.{p}": "classifier.{p}"},
)
