"""Hostile checkpoints: pickles that run code, malformed safetensors headers and zip bombs.
Each is refused with a clean one-line error (exit 2, no output file), and nothing in it runs."""
import json
import os
import pickle
import struct
import subprocess
import sys
import time
import zipfile

import numpy as np

from tests.python.support import (CONVERTER, TempDirTest, global_call, p_str, state_dict_pickle,
                                  storages, tiny_bert, write_checkpoint, write_torch_legacy,
                                  write_torch_zip)


class PickledObject:
    """Pickled with protocol 1, an instance becomes copy_reg._reconstructor(PickledObject, ...)."""


class PickleAttackTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.marker = self.path("pwned")

    def payloads(self):
        """(global named in the error, pickle bytes, whether a plain unpickler would create the marker)."""
        touch = f"open({self.marker!r}, 'w').close()"
        return [
            ("os.system", global_call("os", "system", f"touch {self.marker}"), True),
            ("posix.system", global_call("posix", "system", f"touch {self.marker}"), True),
            ("builtins.eval", global_call("builtins", "eval", touch), True),
            ("builtins.exec", global_call("builtins", "exec", touch), True),
            ("__builtin__.eval", global_call("__builtin__", "eval", touch), True),
            ("subprocess.Popen", global_call("subprocess", "Popen", ("touch", self.marker)), True),
            ("builtins.getattr", global_call("builtins", "getattr", "x", "y"), False),
            ("copy_reg._reconstructor", pickle.dumps(PickledObject(), protocol=1), False),
            ("numpy.core.multiarray._reconstruct", pickle.dumps(np.zeros(2), protocol=2), False),
            # Hidden inside an otherwise ordinary state dict, after a real tensor entry (a plain
            # unpickler stops earlier, at the persistent id it cannot resolve).
            ("posix.system", state_dict_pickle([("a", "F32", "0", 1, 0, (1,), (1,))], legacy=False)[:-2]
             + p_str("b") + global_call("posix", "system", f"touch {self.marker}")[2:-1] + b"u.", False),
        ]

    def folder_with_bin(self, name, write):
        folder = write_checkpoint(self.path(name), tiny_bert()[0], {}, fmt=None)
        write(os.path.join(folder, "pytorch_model.bin"))
        return folder

    def assert_payload_refused(self, folder, global_name):
        message = self.assert_rejected(folder, f"refusing to load global {global_name}")
        time.sleep(0.05)  # a spawned `touch` would have had time to run
        self.assertFalse(os.path.exists(self.marker), "the payload ran")
        return message

    def test_payloads_are_live(self):
        """Control: a plain unpickler does run these payloads, so the marker check means something."""
        for name, payload, live in self.payloads():
            if not live:
                continue
            with self.subTest(payload=name):
                code = ("import pickle, sys; r = pickle.loads(open(sys.argv[1], 'rb').read()); "
                        "getattr(r, 'wait', lambda: None)()")
                path = self.path("payload.pkl")
                with open(path, "wb") as f:
                    f.write(payload)
                subprocess.run([sys.executable, "-c", code, path], capture_output=True, timeout=60, check=True)
                self.assertTrue(os.path.exists(self.marker))
                os.remove(self.marker)

    def test_zip_data_pkl(self):
        for i, (name, payload, _) in enumerate(self.payloads()):
            with self.subTest(payload=name):
                folder = self.folder_with_bin(f"zip{i}", lambda p: write_torch_zip(p, pickle_bytes=payload))
                self.assert_payload_refused(folder, name)

    def test_legacy_state_dict_pickle(self):
        for i, (name, payload, _) in enumerate(self.payloads()[:6]):
            with self.subTest(payload=name):
                folder = self.folder_with_bin(f"legacy{i}", lambda p: write_torch_legacy(p, pickle_bytes=payload))
                self.assert_payload_refused(folder, name)

    def test_first_pickle_of_the_file(self):
        """A .bin that is not a zip is read as legacy: even its first pickle is restricted."""
        for i, (name, payload, _) in enumerate(self.payloads()[:6]):
            with self.subTest(payload=name):
                def write(path):
                    with open(path, "wb") as f:
                        f.write(payload)
                self.assert_payload_refused(self.folder_with_bin(f"first{i}", write), name)

    def test_bad_tensor_records(self):
        cases = {
            "past the end": ([("w", "F32", "0", 4, 2, (3,), (1,))], "reaches past the end of storage"),
            "negative stride": ([("w", "F32", "0", 4, 0, (2,), (-1,))], "invalid offset, size or stride"),
            "count mismatch": ([("w", "F32", "0", 4, 0, (4,), (1,))], "claims 8 bytes, expected 16"),
        }
        for case, (entries, phrase) in cases.items():
            with self.subTest(case=case):
                folder = self.folder_with_bin(case, lambda p: write_torch_zip(
                    p, pickle_bytes=state_dict_pickle(entries, legacy=False), blobs=[("0", "F32", bytes(8))]))
                self.assert_rejected(folder, phrase)

    def test_truncated_legacy_storage(self):
        entries = [("w", "F32", "0", 1000, 0, (1000,), (1,))]

        def write(path):
            write_torch_legacy(path, pickle_bytes=state_dict_pickle(entries, legacy=True),
                               blobs=[("0", "F32", bytes(4000))])
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 100)
        self.assert_rejected(self.folder_with_bin("trunc", write), "runs past the end of the file")


class SafetensorsHeaderTest(TempDirTest):
    def folder_with(self, name, raw):
        folder = write_checkpoint(self.path(name), tiny_bert()[0], {}, fmt=None)
        with open(os.path.join(folder, "model.safetensors"), "wb") as f:
            f.write(raw)
        return folder

    @staticmethod
    def file(header, data=bytes(32), length=None):
        text = header if isinstance(header, bytes) else json.dumps(header).encode()
        return struct.pack("<Q", len(text) if length is None else length) + text + data

    def test_malformed_headers(self):
        def entry(offsets, dtype="F32", shape=(4,)):
            return {"dtype": dtype, "shape": list(shape), "data_offsets": offsets}
        cases = {
            "huge header length": (self.file({}, length=1 << 62), "header length"),
            "header past the end": (self.file({"a": entry([0, 16])}, length=200), "header length"),
            "not json": (self.file(b"\xff{not json"), "not valid JSON"),
            "not an object": (self.file([1, 2]), "not a JSON object"),
            "overlap": (self.file({"a": entry([0, 16]), "b": entry([8, 24])}), "overlap"),
            "out of range": (self.file({"a": entry([16, 32]), "b": entry([32, 48])}), "outside the 32-byte data section"),
            "huge offsets": (self.file({"a": entry([2 ** 64 + 16, 2 ** 64 + 32])}), "outside"),
            "negative offset": (self.file({"a": entry([-16, 0])}), "invalid data_offsets"),
            "size mismatch": (self.file({"a": entry([0, 12])}), "do not hold"),
            "huge shape": (self.file({"a": entry([0, 16], shape=(2 ** 40, 2 ** 40))}), "do not hold"),
            "unknown dtype": (self.file({"a": entry([0, 16], dtype="F128")}), "unknown dtype"),
            "float shape": (self.file({"a": entry([0, 16], shape=(4.0,))}), "invalid shape"),
            "too short": (b"\x01\x00", "too short"),
        }
        for case, (raw, phrase) in cases.items():
            with self.subTest(case=case):
                self.assert_rejected(self.folder_with(case.replace(" ", "-"), raw), "model.safetensors", phrase)


class ZipBombTest(TempDirTest):
    def bin_folder(self, name, config=None):
        folder = write_checkpoint(self.path(name), config or tiny_bert()[0], {}, fmt=None)
        return folder, os.path.join(folder, "pytorch_model.bin")

    def run_measured(self, folder):
        """Runs the converter; returns (exit code, stderr, peak memory of that process in MiB)."""
        err_path = self.path("stderr.txt")
        with open(err_path, "w") as err:
            proc = subprocess.Popen([sys.executable, CONVERTER, folder, "-o", self.path("out.bertcls")],
                                    stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        with open(err_path) as f:
            return proc.returncode, f.read(), usage.ru_maxrss / 1024

    def test_member_that_decompresses_to_256_mib(self):
        """An otherwise valid checkpoint whose word embeddings are a zip bomb: converting it
        would have to read 256 MiB; it must be refused from the headers alone."""
        count = 64 << 20  # float32 elements: 256 MiB of zeros, about 256 KiB compressed
        config, state = tiny_bert()
        config["vocab_size"] = count // 8
        folder, path = self.bin_folder("bomb", config)
        word = "bert.embeddings.word_embeddings.weight"
        entries, blobs = storages(state)
        entries = [(word, "F32", "bomb", count, 0, (count // 8, 8), (8, 1)) if e[0] == word else e for e in entries]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("archive/data.pkl", state_dict_pickle(entries, legacy=False))
            for key, _, data in blobs:
                z.writestr(f"archive/data/{key}", data)
            with z.open("archive/data/bomb", "w", force_zip64=True) as member:
                for _ in range(16):
                    member.write(bytes(16 << 20))
        code, stderr, peak_mib = self.run_measured(folder)
        self.assertEqual(code, 2, stderr)
        self.assertIn("zip bomb", stderr)
        self.assertLess(peak_mib, 200)
        self.assertFalse(os.path.exists(self.path("out.bertcls")))

    def test_member_header_that_lies_about_its_size(self):
        folder, path = self.bin_folder("liar")
        config, state = tiny_bert()
        write_torch_zip(path, state)
        with open(path, "r+b") as f:
            raw = bytearray(f.read())
            at = raw.index(b"PK\x01\x02")  # the first central directory record
            while True:  # find the central record of archive/data/0 and claim 4 GiB for it
                name_len = struct.unpack_from("<H", raw, at + 28)[0]
                if raw[at + 46:at + 46 + name_len] == b"archive/data/0":
                    break
                at = raw.index(b"PK\x01\x02", at + 4)
            struct.pack_into("<I", raw, at + 24, 0xFFFFFFF0)
            f.seek(0)
            f.write(raw)
        code, stderr, peak_mib = self.run_measured(folder)
        self.assertEqual(code, 2, stderr)
        self.assertIn("claims 4294967280 bytes", stderr)
        self.assertLess(peak_mib, 200)

    def test_oversized_pickle(self):
        folder, path = self.bin_folder("bigpickle")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("archive/data.pkl", "w", force_zip64=True) as member:
                for _ in range(5):
                    member.write(b"N" * (16 << 20))
        code, stderr, _ = self.run_measured(folder)
        self.assertEqual(code, 2, stderr)
        self.assertIn("data.pkl claims 83886080 bytes, expected at most", stderr)
