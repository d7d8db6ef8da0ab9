"""RobertaForSequenceClassification and XLMRobertaForSequenceClassification (same modules,
same "roberta." prefix). Positions start at pad_token_id + 1; head: classifier.dense + tanh,
then classifier.out_proj."""
from .bert import BERT_DEFAULTS, EMBEDDINGS, ENCODER_LAYER, bert_style_config
from .canonical import Family


def _reader(defaults):
    def read_config(hf):
        c = bert_style_config(hf, defaults)
        pad = c["pad_token_id"]  # validated with the rest of the config afterwards
        c["position_offset"] = pad + 1 if type(pad) is int else 0  # RobertaEmbeddings' padding_idx + 1
        return c
    return read_config


NAMES = {**EMBEDDINGS, **ENCODER_LAYER,
         "head.dense.{p}": "classifier.dense.{p}",
         "head.out.{p}": "classifier.out_proj.{p}"}

ROBERTA = Family("roberta", "RobertaForSequenceClassification", "roberta.",
                 _reader({**BERT_DEFAULTS, "vocab_size": 50265, "pad_token_id": 1}), NAMES)
XLM_ROBERTA = Family("xlm-roberta", "XLMRobertaForSequenceClassification", "roberta.",
                     _reader({**BERT_DEFAULTS, "pad_token_id": 1}), NAMES)
