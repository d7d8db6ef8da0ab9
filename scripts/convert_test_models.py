#!/usr/bin/env python3
"""Converts every reference checkpoint the tests read (the CTest fixture `convert_test_models`).

    /usr/bin/python3 scripts/convert_test_models.py --out DIR --shared SHARED_DIR

A checkpoint folder is a folder holding config.json. Output names are stable and cannot clash
between the repository's fixtures and ../shared:

    tests/data/reference/<name>/   ->  DIR/local/<name>.bertcls
    SHARED_DIR/reference/<name>/   ->  DIR/shared/<name>.bertcls
    SHARED_DIR/models/<name>/      ->  DIR/shared/<name>.bertcls
    SHARED_DIR/zeroshot/<name>/    ->  DIR/shared/<name>.bertcls
    tests/data/zeroshot/<name>/    ->  DIR/local/<name>.bertcls

(two shared folders with the same name are reported as a failure). When SHARED_DIR does not
exist the local checkpoints are still converted. A shared checkpoint of an architecture the
converter does not support yet (../shared holds references for families still to come) is
skipped with a line saying so and listed in DIR/unsupported.txt (one folder a line), which the
tests read to leave it out with a warning. Every other
conversion is attempted; the exit status is 1 if any failed, 2 if numpy is missing.
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import require_numpy  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checkpoints(pattern):
    return sorted(os.path.dirname(p) for p in glob.glob(os.path.join(pattern, "config.json")))


def architecture(folder):
    """config.json's first architecture, or None when it cannot be read (convert reports why)."""
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            architectures = json.load(f).get("architectures")
        return architectures[0] if isinstance(architectures, list) and architectures else None
    except (OSError, ValueError, AttributeError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--shared", required=True, metavar="SHARED_DIR")
    args = parser.parse_args()
    require_numpy()
    from checkpoint.convert import FAMILIES, convert
    from checkpoint.errors import ConversionError

    jobs = [(src, os.path.join(args.out, "local")) for kind in ("reference", "zeroshot")
            for src in checkpoints(os.path.join(REPO, "tests/data", kind, "*"))]
    if os.path.isdir(args.shared):
        for kind in ("reference", "models", "zeroshot"):
            jobs += [(src, os.path.join(args.out, "shared")) for src in checkpoints(os.path.join(args.shared, kind, "*"))]
    else:
        print(f"skipping ../shared models: {args.shared} not found")

    failures, written, converted, skipped = [], set(), 0, []
    for src, folder in jobs:
        if folder.endswith(os.sep + "shared") and architecture(src) not in (None, *FAMILIES):
            print(f"skipped {src}: architecture {architecture(src)!r} is not supported yet")
            skipped.append(os.path.abspath(src))
            continue
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
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "unsupported.txt"), "w", encoding="utf-8") as f:
        f.writelines(folder + "\n" for folder in skipped)
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    print(f"converted {converted} of {len(jobs)} checkpoints into {args.out} ({len(skipped)} not supported yet)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
