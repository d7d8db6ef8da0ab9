"""The floor plan of src/ (docs/ARCHITECTURE.md): the include graph between its top-level
folders has no cycle, nothing includes src/cli or CLI11 (the command line is not part of the library),
src/ops sees only src/util, and src/format (the container) knows no architecture."""
import os
import re
import unittest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)

# What a folder may include besides itself, where the rule is tighter than "no cycle".
ONLY = {"util": set(), "ops": {"util"}, "format": {"util"}, "tokenizer": {"util"}}


def folder_edges():
    """{(from folder, to folder): [(file, included path), ...]} between different folders."""
    folders = {d for d in os.listdir(SRC) if os.path.isdir(os.path.join(SRC, d))}
    edges = {}
    for root, _, files in os.walk(SRC):
        for name in files:
            path = os.path.join(root, name)
            source = os.path.relpath(path, SRC)
            here = source.split(os.sep)[0]
            with open(path, encoding="utf-8") as f:
                for included in INCLUDE.findall(f.read()):
                    there = included.split("/")[0]
                    if there in folders and there != here:
                        edges.setdefault((here, there), []).append((source, included))
    return edges


def find_cycle(edges):
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


class Layering(unittest.TestCase):
    def setUp(self):
        self.edges = folder_edges()

    def where(self, a, b):
        return "; ".join(f"{src} includes {inc}" for src, inc in self.edges[(a, b)][:3])

    def test_no_cycle_between_folders(self):
        cycle = find_cycle(self.edges)
        if cycle:
            steps = [f"{a} -> {b} ({self.where(a, b)})" for a, b in zip(cycle, cycle[1:])]
            self.fail("include cycle between folders of src/: " + ", ".join(steps))

    def test_nothing_includes_cli(self):
        users = sorted(a for a, b in self.edges if b == "cli")
        self.assertEqual(users, [], "src/cli is included by " + ", ".join(self.where(a, "cli") for a in users))

    def test_low_folders_see_only_what_they_may(self):
        for folder, allowed in ONLY.items():
            for a, b in self.edges:
                if a == folder and b not in allowed:
                    self.fail(f"src/{folder} may include only {sorted(allowed) or 'itself'}: {self.where(a, b)}")

    def test_only_the_cli_sees_cli11(self):
        for root, _, files in os.walk(SRC):
            for name in files:
                path = os.path.join(root, name)
                if os.path.relpath(path, SRC).split(os.sep)[0] == "cli":
                    continue
                with open(path, encoding="utf-8") as f:
                    self.assertNotIn("<CLI/", f.read(), f"{os.path.relpath(path, SRC)} includes CLI11")

    def test_the_check_sees_the_tree(self):
        # A walk that found nothing would pass every check above.
        self.assertIn(("models", "layers"), self.edges)
        self.assertIn(("layers", "ops"), self.edges)


if __name__ == "__main__":
    unittest.main()
