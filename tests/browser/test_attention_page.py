"""The `bertcls attention -o page.html` page in a real browser: headless Chromium loads it from
disk with networking off, and the test checks that the heatmap was drawn (the page's #status,
read with --dump-dom), that the token labels are there, that the values the page decoded (8-
and 4-bit) match the .json's, that only the selected layers and heads are offered, that a
truncated input says so, that no script error happened (the page's window.onerror hook, and
"Uncaught" in Chromium's console log), and that the screenshot has the many distinct colours
of a heatmap.

Environment: BERTCLS_BINARY (required), BERTCLS_CHROMIUM (optional: the browser; default:
chromium, chromium-browser or google-chrome on PATH; skips with a message when none is found),
BERTCLS_TEST_MODEL_DIR and BERTCLS_SHARED_DIR as for tests/python/test_attention_cli.py.

    BERTCLS_BINARY=build/bertcls /usr/bin/python3 -m unittest -v tests.browser.test_attention_page
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
import numpy as np  # noqa: E402

from tests.python.test_attention_cli import (binary, distinct_colours, fixture_checkpoint, model_file,  # noqa: E402
                                             png_pixels, quantization_bound, shared_dir)

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-extensions",
                  "--hide-scrollbars", "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0"]


def chromium():
    explicit = os.environ.get("BERTCLS_CHROMIUM")
    if explicit:
        return explicit if os.path.isfile(explicit) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class StatusParser(html.parser.HTMLParser):
    """Collects #status's attributes, #errors' text, the token chips (and their titles), the
    layer and head buttons, #truncated's text and the root's data-error."""

    def __init__(self):
        super().__init__()
        self.status, self.errors, self.chips, self.chip_titles, self.root_error = None, "", [], [], None
        self.buttons, self.truncated = {"layers": [], "heads": []}, None
        self._in = None
        self._group = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.root_error = attrs.get("data-error")
        if attrs.get("id") == "status":
            self.status = attrs
        if attrs.get("id") == "errors":
            self._in = "errors"
        if attrs.get("id") == "truncated":
            self.truncated = ""
            self._in = "truncated"
        if tag == "div" and attrs.get("id") in self.buttons:
            self._group = attrs["id"]
        if tag == "button" and self._group:
            self.buttons[self._group].append("")
            self._in = "button"
        if tag == "span" and "tok" in (attrs.get("class") or "").split():
            self.chips.append("")
            self.chip_titles.append(attrs.get("title", ""))
            self._in = "chip"

    def handle_endtag(self, tag):
        if tag in ("pre", "span", "button", "div"):
            self._in = None
        if tag == "div":
            self._group = None

    def handle_data(self, data):
        if self._in == "errors":
            self.errors += data
        elif self._in == "chip":
            self.chips[-1] += data
        elif self._in == "button":
            self.buttons[self._group][-1] += data
        elif self._in == "truncated":
            self.truncated += data


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.browser = chromium()
        if cls.browser is None:
            raise unittest.SkipTest("Chromium not installed (Debian: apt-get install chromium; or set BERTCLS_CHROMIUM)")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bertcls-browser-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def chromium(self, url, *extra):
        """Runs Chromium with a fresh profile; returns (stdout, stderr)."""
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.tmp)
        proc = subprocess.run([self.browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                              capture_output=True, text=True, timeout=180)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        return proc.stdout, proc.stderr

    def make_page(self, model, *args):
        page = os.path.join(self.tmp, "page.html")
        json_path = os.path.join(self.tmp, "page.json")
        proc = subprocess.run([binary(), "attention", "-m", model, *args, "-o", page, "-o", json_path],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(json_path) as f:
            return page, json.load(f)

    def check_page(self, page, report, fragment="", expect_layer=None, expect_head=None, bits=8):
        url = "file://" + page + fragment
        dom, log = self.chromium(url, "--virtual-time-budget=10000", "--dump-dom")
        parsed = StatusParser()
        parsed.feed(dom)
        self.assertNotIn("Uncaught", log, "JavaScript error in the console")
        self.assertIsNone(parsed.root_error, parsed.root_error)
        self.assertEqual(parsed.errors.strip(), "", parsed.errors)
        self.assertIsNotNone(parsed.status, "no #status element")
        status = parsed.status
        T = len(report["tokens"])
        self.assertEqual(status.get("data-state"), "drawn", status)
        self.assertEqual(int(status["data-cells"]), T * T)
        self.assertEqual(int(status["data-labels"]), 2 * T)
        self.assertGreater(int(status["data-nonzero-cells"]), T)
        self.assertGreater(int(status["data-colours"]), min(10, T))
        if expect_layer is not None:
            self.assertEqual(status["data-layer"], str(expect_layer))
            self.assertEqual(status["data-head"], str(expect_head))
        # The token strip holds every token, in order.
        self.assertEqual(len(parsed.chips), T)
        for chip, token in zip(parsed.chips, report["tokens"]):
            self.assertTrue(token.startswith(chip.rstrip("\u2026")), (chip, token))
        self.check_decoded_row(parsed, status, report, bits)
        self.assertIn(report["prediction"]["label"], dom)

        shot = os.path.join(self.tmp, "shot.png")
        _, log = self.chromium(url, "--virtual-time-budget=10000", f"--screenshot={shot}", "--window-size=1280,1000")
        self.assertNotIn("Uncaught", log)
        width, height, bpp, rows = png_pixels(shot)
        self.assertEqual((width, height), (1280, 1000))
        colours = distinct_colours(width, bpp, rows)
        self.assertGreater(len(colours), 60, f"screenshot has only {len(colours)} colours: heatmap not drawn?")
        return parsed

    def check_decoded_row(self, parsed, status, report, bits):
        """The page's decoding: the chips' titles give what the first token attends to in the map
        shown, as the page decoded it; they match the .json's float32 values within half a
        quantization step of the row's largest value (and the 3-4 decimals shown)."""
        attentions = np.array(report["attentions"], dtype=np.float32)
        layer = attentions[report["layers"].index(int(status["data-layer"]))]
        if status["data-head"] == "mean" and report["heads"] != ["mean"]:
            expected, bound = layer.mean(axis=0), quantization_bound(layer, bits).max(axis=0)
        else:
            h = report["heads"].index(status["data-head"] if status["data-head"] == "mean" else int(status["data-head"]))
            expected, bound = layer[h], quantization_bound(layer[h], bits)
        shown = [float(title.rsplit(", ", 1)[1]) for title in parsed.chip_titles]
        np.testing.assert_array_less(np.abs(np.array(shown) - expected[0]), float(bound[0].max()) + 5e-4 + 1e-7)

    def test_page_renders_heatmap_with_labels(self):
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        page, report = self.make_page(model, "The striker scored a late goal & <won> the \"match\"!",
                                      "--pair", "Who won?")
        self.check_page(page, report, expect_layer=1, expect_head="mean")

    def test_link_fragment_picks_layer_and_head(self):
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        page, report = self.make_page(model, "My new laptop crashes every day.")
        self.check_page(page, report, "#layer=0&head=1", expect_layer=0, expect_head=1)

    def test_long_input_of_more_than_100_tokens(self):
        shared = shared_dir()
        if shared is None or not os.path.isdir(os.path.join(shared, "models", "emotion-bert-L2-H128")):
            self.skipTest("../shared/models/emotion-bert-L2-H128 not found: long-input page not checked")
        model = model_file("shared", os.path.join(shared, "models", "emotion-bert-L2-H128"))
        text = " ".join(["i feel so happy and grateful today because my friends surprised me"] * 10)
        page, report = self.make_page(model, text)
        self.assertGreater(len(report["tokens"]), 100)
        self.check_page(page, report)

    def test_selected_layer_and_head_only(self):
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        for args, layers, heads, head in ((["--layer", "0", "--head", "1"], ["0"], ["1"], 1),
                                          (["--layer", "-1", "--head", "mean"], ["1"], ["mean"], "mean"),
                                          (["--layer", "0"], ["0"], ["0", "1", "mean"], "mean")):
            with self.subTest(args=args):
                page, report = self.make_page(model, "My new laptop crashes every day.", *args)
                parsed = self.check_page(page, report, expect_layer=layers[0], expect_head=head)
                self.assertEqual(parsed.buttons["layers"], layers)
                self.assertEqual(parsed.buttons["heads"], heads)

    def test_4_bit_page_decodes(self):
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        page, report = self.make_page(model, "The food was great, the service slow.", "--page-bits", "4")
        self.check_page(page, report, "#layer=0&head=1", expect_layer=0, expect_head=1, bits=4)
        self.check_page(page, report, expect_layer=1, expect_head="mean", bits=4)

    def test_truncated_input_is_said_on_the_page(self):
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        page, report = self.make_page(model, " ".join(["the striker scored a late goal"] * 30))
        self.assertTrue(report["truncated"])
        parsed = self.check_page(page, report)
        self.assertEqual(parsed.truncated, f"Truncated: the input has {report['tokens_total']} tokens; only the first "
                                           f"{len(report['tokens'])} (the model's limit) are shown.")

    def test_a_broken_page_is_detected(self):
        """The checks are not vacuous: a script error shows up in the DOM and the log."""
        model = model_file("local", fixture_checkpoint("bert-with-tokenizer"))
        page, report = self.make_page(model, "The food was great!")
        with open(page, encoding="utf-8") as f:
            text = f.read()
        start = text.index('type="application/octet-stream">') + len('type="application/octet-stream">')
        with open(page, "w", encoding="utf-8") as f:
            f.write(text[:start] + "AAAA" + text[text.index("</script>", start):])
        dom, log = self.chromium("file://" + page, "--virtual-time-budget=10000", "--dump-dom")
        parsed = StatusParser()
        parsed.feed(dom)
        self.assertIn("attention data has", parsed.errors)
        self.assertIn("Uncaught", log)
        self.assertNotEqual(parsed.status.get("data-state"), "drawn")


if __name__ == "__main__":
    unittest.main()
