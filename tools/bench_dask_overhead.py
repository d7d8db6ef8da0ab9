#!/usr/bin/python3
"""Where the CPU of a scale-out run goes beyond the classification itself (docs/PERFORMANCE.md,
"Scale out"): CPU seconds (user + system) of
  - one `bertcls batch --threads 1` over N short records (the work itself);
  - the same input as P pieces of whole lines, one `bertcls batch` each (what the tasks add:
    each one's start-up), and one run on an empty input (that start-up alone);
  - `scripts/bertcls-dask --local W --shard-lines N/P` over the same input, split by process
    kind: the tasks' bertcls, the driver (with the LocalCluster's scheduler in it) and the
    worker processes (sampled from /proc every 0.1 s, so a process's last 0.1 s can be missed:
    the total over all of them is exact).
Every output is compared with the single run's. CPU time, not wall time, so that a busy machine
still gives usable figures.

usage: tools/bench_dask_overhead.py [--records N] [--pieces P] [--workers W] [--model M] [--bertcls B]
"""
import argparse
import collections
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB = ("i feel so happy today sad angry love scared surprised the a not very really tired of this "
         "wonderful day night work home friend family movie story great bad").split()


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def descendants(root):
    parent_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent_of[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [child for child, parent in parent_of.items() if parent == pid]
    return found


def run_sampled(command, env, bertcls):
    """Runs `command`; returns (CPU seconds of the whole tree, {kind: sampled CPU seconds})."""
    before = children_cpu()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    last = {}
    ticks = os.sysconf("SC_CLK_TCK")
    while proc.poll() is None:
        for pid in descendants(proc.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].decode(errors="replace") == bertcls:
                kind = "tasks (bertcls batch)"
            elif pid == proc.pid:
                kind = "driver and scheduler"
            else:
                kind = "worker processes"
            last[pid] = (kind, (int(fields[11]) + int(fields[12])) / ticks)
        time.sleep(0.1)
    if proc.returncode != 0:
        sys.exit(f"bench_dask_overhead: bertcls-dask failed: {proc.stderr.read().decode(errors='replace')}")
    by_kind = collections.Counter()
    for kind, seconds in last.values():
        by_kind[kind] += seconds
    return children_cpu() - before, by_kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=240000)
    ap.add_argument("--pieces", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default=os.path.join(REPO, "models", "emotion-bert-L2-H128.bertcls"))
    ap.add_argument("--bertcls", default=os.path.join(REPO, "build", "bertcls"))
    a = ap.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("bench_dask_overhead: needs Dask (apt install python3-distributed)")
    bertcls = os.path.realpath(a.bertcls)
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="passive")
    with tempfile.TemporaryDirectory() as d:
        rng = random.Random(0)
        lines = [json.dumps({"id": i, "text": " ".join(rng.choice(VOCAB) for _ in range(rng.randint(4, 13)))}) + "\n"
                 for i in range(a.records)]
        per_piece = -(-a.records // a.pieces)
        with open(f"{d}/in.jsonl", "w") as f:
            f.writelines(lines)
        for p in range(a.pieces):
            with open(f"{d}/in.{p}", "w") as f:
                f.writelines(lines[p * per_piece:(p + 1) * per_piece])
        open(f"{d}/empty.jsonl", "w").close()

        def cpu(commands):
            before = children_cpu()
            for command in commands:
                subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return children_cpu() - before

        def batch(source, target):
            return [bertcls, "batch", "-q", "-m", a.model, "-i", source, "-o", target, "--threads", "1"]

        one = cpu([batch(f"{d}/in.jsonl", f"{d}/out.single")])
        pieces = cpu([batch(f"{d}/in.{p}", f"{d}/out.{p}") for p in range(a.pieces)])
        empty = cpu([batch(f"{d}/empty.jsonl", f"{d}/out.empty") for _ in range(10)]) / 10
        dask, by_kind = run_sampled([sys.executable, os.path.join(REPO, "scripts", "bertcls-dask"), "--local",
                                     str(a.workers), "--shard-lines", str(per_piece), "--bertcls", bertcls, "-i",
                                     f"{d}/in.jsonl", "-o", f"{d}/out.dask", "--", "-m", a.model, "--threads", "1"],
                                    env, bertcls)
        with open(f"{d}/out.single", "rb") as f:
            single = f.read()
        joined = b"".join(open(f"{d}/out.{p}", "rb").read() for p in range(a.pieces))
        with open(f"{d}/out.dask", "rb") as f:
            if joined != single or f.read() != single:
                sys.exit("bench_dask_overhead: an output differs from the single run's")
    print(f"{a.records} records, {os.path.basename(a.model)}, outputs identical")
    print("| what | CPU s | vs one batch |")
    print("|---|---|---|")
    print(f"| one bertcls batch | {one:.2f} | 100% ({a.records / one:.0f} records per CPU-second) |")
    print(f"| {a.pieces} pieces of {per_piece} lines | {pieces:.2f} | {pieces / one - 1:+.1%} |")
    print(f"| one run on an empty input (a task's start-up) | {empty * 1000:.1f} ms | |")
    print(f"| bertcls-dask --local {a.workers}, shards of {per_piece} lines, all processes | {dask:.2f} | {dask / one - 1:+.1%} |")
    for kind, seconds in by_kind.most_common():
        print(f"| of which {kind} (sampled) | {seconds:.2f} | |")


if __name__ == "__main__":
    main()
