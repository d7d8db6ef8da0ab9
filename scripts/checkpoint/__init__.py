"""Readers and writers behind scripts/convert_checkpoint.py (see docs/FORMAT.md).

This package's own __init__ imports nothing beyond the standard library, so the scripts can
call require_numpy() and print a one-line hint before any module that needs numpy loads.
"""
import importlib
import sys


def require_numpy():
    try:
        importlib.import_module("numpy")
    except ImportError:
        print("numpy is required: apt-get install python3-numpy", file=sys.stderr)
        sys.exit(2)
