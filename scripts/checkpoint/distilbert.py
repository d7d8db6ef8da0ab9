"""DistilBertForSequenceClassification: its own config names (dim, hidden_dim, n_heads,
n_layers, activation), no token types, LayerNorm eps fixed at 1e-12 in the model code;
head: pre_classifier + ReLU, then classifier."""
from .bert import EMBEDDINGS
from .canonical import Family, hf_value

DEFAULTS = {"vocab_size": 30522, "max_position_embeddings": 512, "n_layers": 6, "n_heads": 12,
            "dim": 768, "hidden_dim": 3072, "activation": "gelu", "pad_token_id": 0}


def read_config(hf):
    def get(key):
        return hf_value(hf, key, DEFAULTS[key])
    return {
        "vocab_size": get("vocab_size"),
        "hidden_size": get("dim"),
        "embedding_size": get("dim"),
        "num_layers": get("n_layers"),
        "num_heads": get("n_heads"),
        "intermediate_size": get("hidden_dim"),
        "max_position_embeddings": get("max_position_embeddings"),
        "type_vocab_size": 0,
        "position_offset": 0,
        "pad_token_id": get("pad_token_id"),
        "layer_norm_eps": 1e-12,
        "hidden_act": get("activation"),
        "num_layer_weights": get("n_layers"),
        "embedding_projection": False,
        "head_activation": "relu",
    }


LAYER = "transformer.layer.{g}."

FAMILY = Family(
    name="distilbert",
    architecture="DistilBertForSequenceClassification",
    prefix="distilbert.",
    read_config=read_config,
    names={**EMBEDDINGS,
           "layers.{g}.attention.qkv.{p}": [LAYER + "attention.q_lin.{p}",
                                            LAYER + "attention.k_lin.{p}",
                                            LAYER + "attention.v_lin.{p}"],
           "layers.{g}.attention.output.{p}": LAYER + "attention.out_lin.{p}",
           "layers.{g}.attention.norm.{p}": LAYER + "sa_layer_norm.{p}",
           "layers.{g}.ffn.intermediate.{p}": LAYER + "ffn.lin1.{p}",
           "layers.{g}.ffn.output.{p}": LAYER + "ffn.lin2.{p}",
           "layers.{g}.ffn.norm.{p}": LAYER + "output_layer_norm.{p}",
           "head.dense.{p}": "pre_classifier.{p}",
           "head.out.{p}": "classifier.{p}"},
)
