"""Rows per second of the Ray Data and Spark recipes next to ``belclf label`` on one machine.

    python benchmarks/distributed.py [--files 4000] [--rounds 3] [--workers 2]

Writes a folder of ``--files`` pages (the corpus texts, repeated as needed; 1.5 KB on average)
and labels it with each method, the methods taking turns round after round, since a shared
machine's speed drifts. ``wall s`` runs from starting the process to its exit (Python, imports,
cluster start-up, model loads); ``job s`` leaves out what comes before the first row is read:
for Ray and Spark the cluster start-up, for ``belclf label`` only Python's start and imports.
Rates are medians over the rounds. Methods whose extra is missing are left out.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training/data/corpus.jsonl"
# belclf label, timed inside the process like the recipes time their job
LABEL = """import json, sys, time
from belclf.archive import label_archive
start = time.perf_counter()
counts = label_archive(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]), progress=False)
print(json.dumps({"rows": counts["rows"], "seconds": time.perf_counter() - start}))
"""


def write_archive(folder: Path, files: int) -> None:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    folder.mkdir(parents=True)
    for i in range(files):
        (folder / f"{i:06d}.txt").write_text(texts[i % len(texts)], encoding="utf-8")


def methods(workers: int) -> dict[str, list[str]]:
    """Command line of each method; {archive} and {out} are filled in per run."""
    out = {f"belclf label --workers {n}": [sys.executable, "-c", LABEL, "{archive}", "{out}.jsonl", str(n)]
           for n in sorted({1, workers})}
    if importlib.util.find_spec("ray"):
        out[f"Ray Data, {workers} actors"] = [sys.executable, str(ROOT / "examples/ray_label.py"), "{archive}",
                                              "--out", "{out}", "--workers", str(workers)]
    if importlib.util.find_spec("pyspark") and shutil.which("java"):
        out[f"Spark local[{workers}]"] = [sys.executable, str(ROOT / "examples/spark_label.py"), "{archive}",
                                          "--out", "{out}", "--master", f"local[{workers}]"]
    return out


def run(command: list[str], archive: Path, out: Path) -> tuple[int, float, float]:
    """(rows, wall seconds, job seconds) of one run."""
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", TOKENIZERS_PARALLELISM="false")
    start = time.perf_counter()
    result = subprocess.run([p.replace("{archive}", str(archive)).replace("{out}", str(out)) for p in command],
                            capture_output=True,
                            text=True, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{result.stderr[-3000:]}")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return summary["rows"], wall, summary["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    timings: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        write_archive(archive, args.files)
        for round_ in range(args.rounds):
            for n, (name, command) in enumerate(methods(args.workers).items()):
                rows, wall, job = run(command, archive, Path(tmp) / f"out-{round_}-{n}")
                if rows != args.files:
                    raise SystemExit(f"{name} wrote {rows} rows for {args.files} files")
                timings.setdefault(name, []).append((wall, job))
                print(f"round {round_ + 1}: {name}: wall {wall:.1f} s, job {job:.1f} s", file=sys.stderr, flush=True)
    print(f"{args.files:,} files of the corpus, {os.cpu_count()} CPUs, median of {args.rounds} alternating rounds\n")
    print("| method | wall s | job s | rows/s (wall) | rows/s (job) |\n|---|---:|---:|---:|---:|")
    for name, runs in timings.items():
        wall, job = statistics.median(w for w, _ in runs), statistics.median(j for _, j in runs)
        print(f"| {name} | {wall:.1f} | {job:.1f} | {args.files / wall:,.0f} | {args.files / job:,.0f} |")


if __name__ == "__main__":
    main()
