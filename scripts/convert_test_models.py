#!/usr/bin/env python3
"""Converts every reference checkpoint the tests read (the CTest fixture `convert_test_models`).

    /usr/bin/python3 scripts/convert_test_models.py --out DIR --shared SHARED_DIR

A checkpoint folder is a folder holding config.json. Output names are stable and cannot clash
between the repository's fixtures and ../shared:

    tests/data/reference/<name>/   ->  DIR/local/<name>.bertcls
    SHARED_DIR/reference/<name>/   ->  DIR/shared/<name>.bertcls
    SHARED_DIR/models/<name>/      ->  DIR/shared/<name>.bertcls

(two shared folders with the same name are reported as a failure). When SHARED_DIR does not
exist the local checkpoints are still converted. Every conversion is attempted; the exit
status is 1 if any failed, 2 if numpy is missing.
"""
import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import require_numpy  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checkpoints(pattern):
    return sorted(os.path.dirname(p) for p in glob.glob(os.path.join(pattern, "config.json")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--shared", required=True, metavar="SHARED_DIR")
    args = parser.parse_args()
    require_numpy()
    from checkpoint.convert import convert
    from checkpoint.errors import ConversionError

    jobs = [(src, os.path.join(args.out, "local")) for src in checkpoints(os.path.join(REPO, "tests/data/reference/*"))]
    if os.path.isdir(args.shared):
        for kind in ("reference", "models"):
            jobs += [(src, os.path.join(args.out, "shared")) for src in checkpoints(os.path.join(args.shared, kind, "*"))]
    else:
        print(f"skipping ../shared models: {args.shared} not found")

    failures, written, converted = [], set(), 0
    for src, folder in jobs:
        out = os.path.join(folder, os.path.basename(src) + ".bertcls")
        if out in written:
            failures.append(f"{src}: another checkpoint already converted to {out}")
            continue
        written.add(out)
        notes = []
        try:
            os.makedirs(folder, exist_ok=True)
            convert(src, out, warn=notes.append)
        except (ConversionError, OSError) as e:
            failures.append(f"{src}: {e}")
            continue
        converted += 1
        # Missing tokenizers are expected here: the reference checkpoints feed ids directly.
        print(f"{out}" + (" (no tokenizer)" if notes else ""))
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    print(f"converted {converted} of {len(jobs)} checkpoints into {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
