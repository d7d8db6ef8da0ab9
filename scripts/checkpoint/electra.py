"""ElectraForSequenceClassification: BERT-style encoder; embeddings_project exists only when
embedding_size != hidden_size; head: classifier.dense + GELU (erf, hardcoded by transformers
whatever hidden_act says), then classifier.out_proj."""
from .bert import BERT_DEFAULTS, EMBEDDINGS, ENCODER_LAYER, bert_style_config
from .canonical import Family

DEFAULTS = {**BERT_DEFAULTS, "embedding_size": 128, "hidden_size": 256,
            "num_attention_heads": 4, "intermediate_size": 1024}


def read_config(hf):
    c = bert_style_config(hf, DEFAULTS)
    c["head_activation"] = "gelu"
    # transformers creates embeddings_project only when the sizes differ.
    c["embedding_projection"] = c["embedding_size"] != c["hidden_size"]
    return c


FAMILY = Family(
    name="electra",
    architecture="ElectraForSequenceClassification",
    prefix="electra.",
    read_config=read_config,
    names={**EMBEDDINGS, **ENCODER_LAYER,
           "embeddings.projection.{p}": "embeddings_project.{p}",
           "head.dense.{p}": "classifier.dense.{p}",
           "head.out.{p}": "classifier.out_proj.{p}"},
)
