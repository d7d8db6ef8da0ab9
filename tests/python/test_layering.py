"""The floor plan of src/ (docs/ARCHITECTURE.md): each folder includes only folders of lower
rows (so the include graph has no cycle, src/ops and src/tokenizer see only src/util and
src/format, the container, knows no architecture), and nothing but src/cli includes CLI11
(the command line is not part of the library)."""
import os
import re
import unittest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)

# docs/ARCHITECTURE.md's picture, top row first: a folder includes only folders of lower rows.
ROWS = [["cli"], ["eval", "attention_report"], ["batch"], ["pipeline"], ["models"], ["layers", "format"],
        ["ops", "tokenizer"], ["util"]]
RANK = {folder: len(ROWS) - i for i, row in enumerate(ROWS) for folder in row}


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

    def test_every_folder_has_its_row(self):
        folders = sorted(d for d in os.listdir(SRC) if os.path.isdir(os.path.join(SRC, d)))
        self.assertEqual([f for f in folders if f not in RANK], [],
                         "give each folder of src/ its row in ROWS and in docs/ARCHITECTURE.md")

    def test_includes_only_look_down(self):
        for a, b in sorted(self.edges):
            if a in RANK and b in RANK and RANK[b] >= RANK[a]:
                self.fail(f"src/{a} includes src/{b}, which is not below it: {self.where(a, b)}")

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
