"""How fast the default tier reads, and what its parts cost. Prints a table.

    python benchmarks/speed.py [--n 3000] [--files 10000]

Rows, all on the same 5 KB articles in one run (so the machine's mood is shared):
- ``classify_many`` with 1 thread and with every core (``BELCLF_THREADS``), best of five passes;
- the same model without its actor block (actor columns cut from the heads and the gate; the
  same TF-IDF): what the actor dictionary costs. Passes with and without alternate, and the
  cost is printed as time with / time without, the median over the pairs of passes; also on the
  main text of the real pages in ../shared/webpages when present (most not about Belarus, so
  far fewer actor mentions than these articles, each of which is about Belarus);
- scikit-learn's ``TfidfVectorizer`` (word uni- and bigrams, sublinear TF) and one logistic
  regression per label, fitted on the corpus, reading the same texts: the field's plain pipeline;
- ``belclf label`` on a folder of ``--files`` text files with 1 and 2 worker processes
  (wall time of the whole command: start-up, reading, labelling, writing JSONL);
- cold start (a new process: import, load, first prediction) and peak memory of a process that
  labels the articles.
Needs ``belclf[train]`` for the scikit-learn row. On a shared machine numbers vary from run to
run; ratios within a run are steadier than rates across runs.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import CORPUS, articles_5kb, cold_start, real_pages_html  # noqa: E402


def seconds(function, texts) -> float:
    start = time.perf_counter()
    function(texts)
    return time.perf_counter() - start


def best_rate(function, texts, passes: int = 3) -> float:
    function(texts[:64])  # warm caches and tables once
    return len(texts) / min(seconds(function, texts) for _ in range(passes))


def paired_rates(function, other, texts, passes: int = 5) -> tuple[float, float, float]:
    """Best rates of ``function`` and ``other``, run in alternating passes, and the median over
    the passes of (time of function / time of other): alternating shares the machine's mood."""
    function(texts[:64])
    other(texts[:64])
    times = [(seconds(function, texts), seconds(other, texts)) for _ in range(passes)]
    return (len(texts) / min(t[0] for t in times), len(texts) / min(t[1] for t in times),
            statistics.median(a / b for a, b in times))


def without_actors(model):
    """The same model with its actor block cut out (for speed only: its predictions differ)."""
    stripped = copy.copy(model)
    keep, start, columns = [], 0, []
    for feature in model.features:
        if feature.kind != "actors":
            keep.append(feature)
            columns.extend(range(start, start + feature.dim))
        start += feature.dim
    stripped.features = keep
    stripped.coef = model.coef[columns]
    if model.gate is not None:
        stripped.gate = copy.copy(model.gate)
        stripped.gate.coef = model.gate.coef[columns]
    return stripped


def scikit_learn_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    docs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    y = MultiLabelBinarizer().fit_transform([d["labels"] for d in docs])
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=50_000),
                             OneVsRestClassifier(LogisticRegression(C=30, solver="liblinear")))
    return pipeline.fit([d["text"] for d in docs], y)


def label_files(folder: Path, workers: int) -> float:
    out = folder.parent / f"labelled-{workers}.jsonl"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "belclf.cli", "label", str(folder), "--out", str(out), "--quiet",
                    "--workers", str(workers)], check=True)
    elapsed = time.perf_counter() - start
    n = sum(1 for _ in open(out, encoding="utf-8"))
    return n / elapsed


def peak_memory(n: int) -> float:
    # VmHWM of the new process (Linux): unlike ru_maxrss, it does not inherit this big parent's peak
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); from run import articles_5kb; import belclf; "
            f"belclf.load('default').classify_many(articles_5kb({n})); "
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    return int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="5 KB articles for classify_many")
    parser.add_argument("--files", type=int, default=10_000, help="files for belclf label (0: skip)")
    args = parser.parse_args()

    import belclf
    from belclf.model import n_threads

    model = belclf.load("default")
    texts = articles_5kb(args.n)
    rows, actor_costs = [], []
    cores = n_threads()
    bare = without_actors(model)
    for threads in sorted({1, cores}):
        os.environ["BELCLF_THREADS"] = str(threads)
        with_actors, without, cost = paired_rates(model.classify_many, bare.classify_many, texts)
        rows.append((f"classify_many, {threads} thread{'s' * (threads > 1)}", with_actors))
        rows.append((f"  same without actors, {threads} thread{'s' * (threads > 1)}", without))
        actor_costs.append(f"x{cost:.3f} with {threads} thread{'s' * (threads > 1)}")
    from belclf.clean import clean

    pages = [clean(page) for page in real_pages_html()]
    if pages:  # the pages several times over, so that a pass lasts long enough to time
        cost = paired_rates(model.classify_many, bare.classify_many, pages * max(1, 3000 // len(pages)))[2]
        actor_costs.append(f"x{cost:.3f} on the main text of {len(pages)} real pages "
                           f"({cores} thread{'s' * (cores > 1)})")
    del os.environ["BELCLF_THREADS"]
    try:
        pipeline = scikit_learn_pipeline()
        rows.append(("scikit-learn TfidfVectorizer + logistic regression", best_rate(pipeline.predict_proba, texts)))
    except ImportError:
        print("(scikit-learn row skipped: pip install 'belclf[train]')", file=sys.stderr)
    if args.files:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "files"
            folder.mkdir()
            for i, text in enumerate(articles_5kb(args.files)):
                (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
            for workers in (1, 2):
                rows.append((f"belclf label, {args.files:,} files, {workers} worker{'s' * (workers > 1)}",
                             label_files(folder, workers)))
    reference = dict(rows).get("scikit-learn TfidfVectorizer + logistic regression")
    print(f"| {'what':<52} | articles/s | × scikit-learn |")
    print(f"|{'-' * 54}|-----------:|---------------:|")
    for name, rate in rows:
        ratio = f"{rate / reference:.2f}" if reference else "–"
        print(f"| {name:<52} | {rate:>10,.0f} | {ratio:>14} |")
    print(f"\nactor block (time with / time without, median of paired passes): {', '.join(actor_costs)}")
    print(f"cold start {cold_start('default'):.2f} s; peak memory {peak_memory(min(args.n, 2000)):.0f} MB "
          f"(labelling {min(args.n, 2000)} articles); {cores} cores; {len(texts)} articles of 5 KB")


if __name__ == "__main__":
    main()
