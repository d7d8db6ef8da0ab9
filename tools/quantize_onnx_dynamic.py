#!/usr/bin/env python3
"""ONNX Runtime's dynamic int8 quantization of an exported BERT, the peer of bertcls --dtype int8:

    quantize_onnx_dynamic.py model.onnx model.int8.onnx

This is onnxruntime.quantization.quantize_dynamic with its defaults (QInt8 weights). The
intermediate shape annotations written by torch's dynamo exporter are dropped first: ORT's
shape inference rejects some of them ("Inferred shape and existing shape differ") and
quantize_dynamic has no switch to skip it. They are hints only; the graph is unchanged."""
import os
import sys

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic


def main():
    src, dst = sys.argv[1], sys.argv[2]
    model = onnx.load(src)
    del model.graph.value_info[:]
    clean = dst + ".clean.onnx"
    onnx.save(model, clean, save_as_external_data=True, location=os.path.basename(clean) + ".data")
    try:
        quantize_dynamic(clean, dst, weight_type=QuantType.QInt8)
    finally:
        for path in (clean, clean + ".data"):
            if os.path.exists(path):
                os.remove(path)


if __name__ == "__main__":
    main()
