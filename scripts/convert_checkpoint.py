#!/usr/bin/env python3
"""Converts a Hugging Face sequence-classification checkpoint into a bertcls model file.

    /usr/bin/python3 scripts/convert_checkpoint.py HF_DIR -o MODEL_FILE [--tokenizer DIR]
                                                   [--dtype f32|bf16|int8] [--keep-f32 NAMES] [--layout plain|blocked]

HF_DIR holds config.json and the weights (model.safetensors, sharded *.safetensors with
model.safetensors.index.json, or pytorch_model.bin, zip or legacy format, possibly sharded).
Tokenizer files are taken from HF_DIR, or from DIR when --tokenizer is given; the bertcls
binary (--bertcls) also stores them compiled, for a fast start. Supported:
BERT, DistilBERT, RoBERTa, XLM-RoBERTa, ALBERT and ELECTRA ...ForSequenceClassification.
--dtype bf16 or int8 (symmetric, one scale per output row) stores the four dense weights of
each layer (attention qkv and output, FFN intermediate and output) in that dtype; everything
else stays F32. --keep-f32 takes comma-separated weight names or prefixes of them
(layers.1.ffn.output.weight, layers.1.ffn.output, layers.1) to leave in F32.
The output format is docs/FORMAT.md. Needs numpy (Debian: /usr/bin/python3 with
python3-numpy). Exit status: 0 on success, 2 for bad input (one-line message on stderr);
on failure no output file is left behind.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import require_numpy  # noqa: E402


def dense_summary(dtype, converted, kept):
    """'8 dense weights in f32', or '6 dense weights in int8, 2 kept in f32' (quantize.plan's lists)."""
    if dtype == "f32":
        return f"{len(kept)} dense weights in f32"
    return f"{len(converted)} dense weights in {dtype}, {len(kept)} kept in f32"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hf_dir", metavar="HF_DIR", help="Hugging Face checkpoint folder")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL_FILE", help="bertcls file to write")
    parser.add_argument("--tokenizer", metavar="DIR", help="take the tokenizer files from DIR instead of HF_DIR")
    parser.add_argument("--dtype", default="f32", metavar="f32|bf16|int8",
                        help="storage of the dense encoder weights (default: f32)")
    parser.add_argument("--layout", default="blocked", metavar="blocked|plain",
                        help="blocked (default): store the dense weights in the layout the AVX-512 GEMM kernels "
                             "read, so bertcls uses them from the mapped file without packing (fast start, weights "
                             "resident once; other CPUs re-lay them out at load); plain: row-major [out, in]")
    parser.add_argument("--keep-f32", metavar="NAMES",
                        help="comma-separated dense weight names or prefixes (e.g. layers.1.ffn.output, "
                             "layers.0) to leave in F32 under --dtype bf16/int8")
    parser.add_argument("--bertcls", metavar="BINARY",
                        help="bertcls binary that compiles the tokenizer into the file (default: $BERTCLS_BINARY, "
                             "else build/bertcls of this checkout, else bertcls on the PATH)")
    args = parser.parse_args()

    require_numpy()
    from checkpoint.convert import convert
    from checkpoint.errors import ConversionError
    from checkpoint.quantize import parse_keep_f32, plan
    try:
        keep_f32 = parse_keep_f32(args.keep_f32)
        config = convert(args.hf_dir, args.output, args.tokenizer,
                         warn=lambda message: print(message, file=sys.stderr),
                         dtype=args.dtype, keep_f32=keep_f32, layout=args.layout, bertcls=args.bertcls)
        converted, kept = plan(config, args.dtype, keep_f32)
    except (ConversionError, OSError) as e:
        print("error: " + " ".join(str(e).split()), file=sys.stderr)  # always one line
        return 2
    print(f"wrote {args.output}: {config['architecture']}, {config['num_layers']} layers, "
          f"hidden {config['hidden_size']}, {len(config['labels'])} labels; {dense_summary(args.dtype, converted, kept)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
