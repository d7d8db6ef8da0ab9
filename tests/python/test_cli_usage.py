"""What a newcomer meets first: unknown commands and options named with the closest match,
`help`, `version`, every command's --help ending with its own examples, errors that name the
file or variable at fault (a directory, $BERTCLS_MODEL, a file that is no model, a Hugging Face
checkpoint with the command that converts it), one --timing format, and hints where bertcls would
otherwise wait silently on a terminal.

Needs the binary (env BERTCLS_BINARY, else build/bertcls) and the default model; tests skip with a
message when these are absent."""
import json
import os
import pty
import re
import shlex
import subprocess
import tempfile
import unittest

from tests.python.support import REPO, tiny_bert, write_checkpoint
from tests.python.test_batch_cli import BINARY, DEFAULT_MODEL, ENV

COMMANDS = ["attention", "batch", "bench", "classify", "eval", "info", "tokenize"]
TIMING = re.compile(r"timing: load ([\d.]+) ms, tokenize ([\d.]+) ms, forward ([\d.]+) ms, total ([\d.]+) ms, "
                    r"peak RSS ([\d.]+) MiB")


class CliUsageTest(unittest.TestCase):
    def setUp(self):
        if not os.access(BINARY, os.X_OK):
            self.skipTest(f"bertcls binary not found at {BINARY} (set BERTCLS_BINARY)")
        if not os.path.isfile(DEFAULT_MODEL):
            self.skipTest(f"default model {DEFAULT_MODEL} not built yet")
        self.tmp = tempfile.TemporaryDirectory(prefix="bertcls-usage-")
        self.addCleanup(self.tmp.cleanup)

    def path(self, *parts):
        return os.path.join(self.tmp.name, *parts)

    def run_cli(self, *args, rc=0, stdin=b"", env=None, cwd=None):
        proc = subprocess.run([os.path.abspath(BINARY), *args], input=stdin, capture_output=True, timeout=120, env=env or ENV, cwd=cwd)
        if rc is not None:
            self.assertEqual(proc.returncode, rc, proc.stderr.decode(errors="replace"))
        return proc.stdout.decode(), proc.stderr.decode()

    def assert_one_line_error(self, args, expected, rc=2, **kwargs):
        _, err = self.run_cli(*args, rc=rc, **kwargs)
        self.assertEqual(err, expected + "\n")

    # Item 10: unknown commands, help, version.
    def test_unknown_command_is_named_with_the_closest(self):
        for word, guess in (("classfy", "classify"), ("tokenise", "tokenize"), ("atention", "attention"),
                            ("bat", "batch"), ("hlep", "help")):
            with self.subTest(word=word):
                self.assert_one_line_error([word], f"bertcls: unknown command '{word}'; did you mean '{guess}'? "
                                                   "(bertcls --help lists the commands)", rc=1)
        self.assert_one_line_error(["xyzzy"], "bertcls: unknown command 'xyzzy' (bertcls --help lists the commands)",
                                   rc=1)
        _, err = self.run_cli("--foo", rc=1)
        self.assertIn("unknown option --foo", err)
        self.assertEqual(len(err.splitlines()), 1, err)
        _, err = self.run_cli(rc=1)
        self.assertIn("a command is required", err)

    def test_help_command(self):
        top, _ = self.run_cli("--help")
        self.assertEqual(self.run_cli("help")[0], top)
        for command in COMMANDS:
            with self.subTest(command=command):
                own, _ = self.run_cli(command, "--help")
                self.assertEqual(self.run_cli("help", command)[0], own)
        self.assert_one_line_error(["help", "clasify"], "bertcls: unknown command 'clasify'; did you mean 'classify'? "
                                                         "(bertcls --help lists the commands)", rc=1)

    def test_version(self):
        with open(os.path.join(REPO, "CMakeLists.txt")) as f:
            version = re.search(r"project\(bertcls\s+VERSION\s+([\d.]+)", f.read()).group(1)
        with open(os.path.join(REPO, "docs", "FORMAT.md")) as f:
            format_version = re.search(r"\| `format_version` \| `\"(\d+)\"` \|", f.read()).group(1)
        headers = [h for h in ("/usr/include/oneapi/dnnl/dnnl_version.h", "/usr/include/dnnl_version.h")
                   if os.path.isfile(h)]
        if not headers:
            self.skipTest("oneDNN's dnnl_version.h not found")
        with open(headers[0]) as f:  # the oneDNN bertcls was built with
            dnnl = dict(re.findall(r"#define DNNL_VERSION_(MAJOR|MINOR|PATCH) (\d+)", f.read()))
        outputs = [self.run_cli(flag)[0] for flag in ("--version", "-V", "version")]
        self.assertEqual(outputs[1:], outputs[:2])
        lines = outputs[0].splitlines()
        self.assertEqual(lines[0], f"bertcls {version}")
        self.assertRegex(lines[1], rf"^oneDNN {dnnl['MAJOR']}\.{dnnl['MINOR']}\.{dnnl['PATCH']}( \(commit \w+\))?$")
        self.assertIn(f"format_version {format_version}", lines[2])

    # Item 11: each command's --help ends with its own examples, not the top-level ones.
    def test_every_command_help_has_its_own_examples(self):
        top, _ = self.run_cli("--help")
        self.assertIn("Run 'bertcls COMMAND --help'", top)
        for command in COMMANDS:
            with self.subTest(command=command):
                out, _ = self.run_cli(command, "--help")
                self.assertNotIn("Run 'bertcls COMMAND --help'", out)
                examples = out[out.rindex("Examples"):]
                invoked = re.findall(r"^ +(?:.*\| )?bertcls (\w+)", examples, re.M)
                self.assertTrue(invoked, examples)
                self.assertEqual(set(invoked), {command}, examples)

    # Item 20: unknown options name the command and the closest option.
    def test_unknown_option_names_the_command_and_the_closest(self):
        cases = [(["classify", "--fo", "x"], "bertcls classify: unknown option --fo; did you mean --format? "
                                             "(bertcls classify --help)"),
                 (["batch", "--thread", "2"], "bertcls batch: unknown option --thread; did you mean --threads? "
                                              "(bertcls batch --help)"),
                 (["eval", "--per-lable", "-i", "x"], "bertcls eval: unknown option --per-lable; did you mean "
                                                      "--per-label? (bertcls eval --help)"),
                 (["info", "--jsn"], "bertcls info: unknown option --jsn; did you mean --json? (bertcls info --help)"),
                 (["info", "--zzzzzz"], "bertcls info: unknown option --zzzzzz (bertcls info --help)"),
                 (["info", "extra"], "bertcls info: unexpected argument 'extra' (bertcls info --help)")]
        for args, expected in cases:
            with self.subTest(args=args):
                self.assert_one_line_error(args, expected, rc=1)

    # Item 14: errors that name the file or variable at fault.
    def test_a_directory_as_input(self):
        folder = self.path("folder")
        os.mkdir(folder)
        for args in (["classify", "--lines", "-f", folder], ["classify", "-f", folder], ["batch", "-i", folder],
                     ["eval", "-i", folder], ["attention", "-f", folder]):
            with self.subTest(args=args):
                self.assert_one_line_error(args, f"bertcls: {folder}: is a directory")

    def test_bertcls_model_variable_is_named(self):
        env = dict(ENV, BERTCLS_MODEL="/nope")
        for command in (["classify", "hi"], ["info"]):
            with self.subTest(command=command):
                self.assert_one_line_error(command, "bertcls: BERTCLS_MODEL=/nope: no such file", env=env)

    def test_a_file_that_is_no_model(self):
        self.assert_one_line_error(["info", "-m", "README.md"], "bertcls: README.md: not a bertcls model file "
                                   "(convert a checkpoint with scripts/convert_checkpoint.py)", cwd=REPO)
        _, err = self.run_cli("info", "-m", self.tmp.name, rc=2)
        self.assertIn(f"{self.tmp.name}: not a bertcls model file (it is a directory", err)

    # Item 15: a Hugging Face checkpoint gets the command that converts it, and that command works.
    def test_hugging_face_checkpoint_gets_the_conversion_command(self):
        config, state = tiny_bert()
        folder = write_checkpoint(self.path("my-ckpt"), config, state)
        bin_folder = write_checkpoint(self.path("bin-ckpt"), config, state, fmt="bin")
        for model in (folder, folder + "/", os.path.join(folder, "model.safetensors")):
            with self.subTest(model=model):
                _, err = self.run_cli("info", "-m", model, rc=2)
                checkpoint = model if os.path.isdir(model) else folder
                self.assertEqual(err, f"bertcls: {model}: a Hugging Face checkpoint, not a bertcls model file; "
                                      f"convert it with /usr/bin/python3 scripts/convert_checkpoint.py {checkpoint} "
                                      "-o my-ckpt.bertcls\n")
        _, err = self.run_cli("info", "-m", os.path.join(bin_folder, "pytorch_model.bin"), rc=2)
        self.assertTrue(err.endswith(f"convert it with /usr/bin/python3 scripts/convert_checkpoint.py {bin_folder} "
                                     "-o bin-ckpt.bertcls\n"), err)
        # The command as printed, run from the repository root (where scripts/ is), with the
        # output written into the temporary folder.
        argv = shlex.split(err.split("convert it with ")[1])
        argv[-1] = self.path(argv[-1])
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True, timeout=120)
        out, _ = self.run_cli("classify", "-m", argv[-1], "--input-ids", "2,5,7,3", "--format", "json")
        self.assertEqual(len(json.loads(out)["scores"]), 3)

    # Item 21: one --timing format for every command that loads a model.
    def test_timing_has_one_format_everywhere(self):
        texts = self.path("texts.jsonl")
        with open(texts, "w") as f:
            f.write('{"text": "i feel wonderful"}\n{"text": "so tired of this"}\n')
        labelled = self.path("set.tsv")
        with open(labelled, "w") as f:
            f.write("text\tlabel\ni feel wonderful\tjoy\nso tired of this\tsadness\n")
        runs = {"classify": ["classify", "i feel wonderful"], "batch": ["batch", "-i", texts, "-q"],
                "eval": ["eval", "-i", labelled], "attention": ["attention", "i feel wonderful"]}
        for name, args in runs.items():
            with self.subTest(command=name):
                plain_out, plain_err = self.run_cli(*args)
                out, err = self.run_cli(*args, "--timing")
                self.assertEqual(out, plain_out)
                self.assertEqual(err.count("\n"), plain_err.count("\n") + 1, err)
                match = TIMING.fullmatch(err.splitlines()[-1])
                self.assertTrue(match, err)
                load, tokenize, forward, total, peak = map(float, match.groups())
                self.assertGreater(load, 0)
                self.assertGreater(forward, 0)
                self.assertGreater(peak, 0)
                self.assertLessEqual(load + tokenize + forward, total + 0.2)  # rounding to 0.1 ms each

    # Item 22: hints where bertcls would wait on a terminal, or where a text names a file.
    def run_on_terminal(self, args, typed):
        """Runs bertcls with a terminal as stdin, types `typed` then Ctrl-D; returns (stdout, stderr)."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([BINARY, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=ENV)
            os.close(slave)
            os.write(master, typed + b"\n\x04")
            out, err = proc.communicate(timeout=120)
        finally:
            os.close(master)
        self.assertEqual(proc.returncode, 0, err)
        return out.decode(), err.decode()

    def test_terminal_stdin_gets_a_hint(self):
        cases = [(["classify"], b"i feel wonderful", "bertcls classify: reading text from the terminal; end with "
                                                     "Ctrl-D (or pass TEXT, -f FILE)"),
                 (["classify", "--lines"], b"i feel wonderful", "bertcls classify: reading text from the terminal"),
                 (["batch", "-q"], b'{"text": "i feel wonderful"}', "bertcls batch: reading JSONL records from the "
                                                                     "terminal; end with Ctrl-D (or pass -i FILE)"),
                 (["attention"], b"i feel wonderful", "bertcls attention: reading text from the terminal")]
        for args, typed, hint in cases:
            with self.subTest(args=args):
                out, err = self.run_on_terminal(args, typed)
                self.assertTrue(err.startswith(hint), err)
                self.assertEqual(len(err.splitlines()), 1, err)
                # The same as the text piped in, which gets no hint.
                piped_out, piped_err = self.run_cli(*args, stdin=typed + b"\n")
                self.assertEqual(out, piped_out)
                self.assertEqual(piped_err, "")

    def test_text_that_names_a_file_gets_a_note(self):
        with open(self.path("a.txt"), "w") as f:
            f.write("so tired of this, nothing works\n")
        out, err = self.run_cli("classify", "a.txt", cwd=self.tmp.name)
        self.assertEqual(err, "note: 'a.txt' is a file; use -f a.txt to classify its content\n")
        # Still the text "a.txt" itself, as where no such file exists.
        elsewhere, elsewhere_err = self.run_cli("classify", "a.txt", cwd=REPO)
        self.assertEqual((out, elsewhere_err), (elsewhere, ""))


if __name__ == "__main__":
    unittest.main()
