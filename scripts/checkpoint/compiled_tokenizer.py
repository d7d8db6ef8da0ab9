"""The compiled tokenizer a bertcls file carries (docs/FORMAT.md, tensor "tokenizer/compiled"):
the tokenizer as flat arrays that bertcls uses in place, so that loading a model builds nothing.

It is made by the bertcls binary itself (`bertcls compile-tokenizer DIR -o FILE`), so that the
tokenizer algorithms have one implementation, in C++. Without a binary the model file is still
complete: bertcls then builds the tokenizer from the embedded files at every start."""
import os
import shutil
import subprocess
import tempfile

from .errors import ConversionError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_bertcls(explicit=None):
    """The bertcls binary to compile with: `explicit`, else $BERTCLS_BINARY, else build/bertcls
    of this checkout, else bertcls on the PATH; None when there is none."""
    if explicit and not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
        raise ConversionError(f"--bertcls {explicit}: not an executable file")
    for candidate in (explicit, os.environ.get("BERTCLS_BINARY"), os.path.join(REPO, "build", "bertcls")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("bertcls")


def compile_tokenizer(folder, bertcls=None, warn=print):
    """The compiled tokenizer of the tokenizer files in `folder` (bytes), or None when there is
    no bertcls binary, the tokenizer's family has no compiled form yet, or bertcls cannot build
    it (then a line through `warn` says why; the conversion goes on without)."""
    binary = find_bertcls(bertcls)
    if binary is None:
        warn("note: no bertcls binary found (--bertcls, $BERTCLS_BINARY, build/bertcls or PATH): the model file "
             "gets no compiled tokenizer, so bertcls builds the tokenizer at every start")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "compiled")
        try:
            proc = subprocess.run([binary, "compile-tokenizer", os.path.abspath(folder), "-o", out],
                                  capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            warn(f"note: {binary} compile-tokenizer failed ({e}): the model file gets no compiled tokenizer")
            return None
        if proc.returncode != 0:
            message = " ".join(proc.stderr.split()) or f"exit status {proc.returncode}"
            warn(f"warning: bertcls cannot build the tokenizer ({message}); the model file gets no compiled tokenizer")
            return None
        if not os.path.isfile(out):
            return None  # a family without a compiled form yet
        with open(out, "rb") as f:
            return f.read()
