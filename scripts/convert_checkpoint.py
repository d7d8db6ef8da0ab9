#!/usr/bin/env python3
"""Converts a Hugging Face sequence-classification checkpoint into a bertcls model file.

    /usr/bin/python3 scripts/convert_checkpoint.py HF_DIR -o MODEL_FILE [--tokenizer DIR]

HF_DIR holds config.json and the weights (model.safetensors, sharded *.safetensors with
model.safetensors.index.json, or pytorch_model.bin, zip or legacy format, possibly sharded).
Tokenizer files are taken from HF_DIR, or from DIR when --tokenizer is given. Supported:
BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ALBERT and ELECTRA ...ForSequenceClassification.
The output format is docs/FORMAT.md. Needs numpy (Debian: /usr/bin/python3 with
python3-numpy). Exit status: 0 on success, 2 for bad input (one-line message on stderr);
on failure no output file is left behind.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import require_numpy  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hf_dir", metavar="HF_DIR", help="Hugging Face checkpoint folder")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL_FILE", help="bertcls file to write")
    parser.add_argument("--tokenizer", metavar="DIR", help="take the tokenizer files from DIR instead of HF_DIR")
    args = parser.parse_args()

    require_numpy()
    from checkpoint.convert import convert
    from checkpoint.errors import ConversionError
    try:
        config = convert(args.hf_dir, args.output, args.tokenizer,
                         warn=lambda message: print(message, file=sys.stderr))
    except (ConversionError, OSError) as e:
        print("error: " + " ".join(str(e).split()), file=sys.stderr)  # always one line
        return 2
    print(f"wrote {args.output}: {config['architecture']}, {config['num_layers']} layers, "
          f"hidden {config['hidden_size']}, {len(config['labels'])} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
