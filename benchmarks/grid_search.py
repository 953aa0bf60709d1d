"""belclf.Classifier in scikit-learn's GridSearchCV: C and backend chosen on corpus train documents.

    python benchmarks/grid_search.py [--docs 1000] [--folds 3]

Takes ``--docs`` train-split documents of the corpus (a seeded sample), searches C x backend
with ``--folds``-fold cross-validation (score: the Classifier's own, macro F1), refits the
best and scores it on the dev split (thresholds 0.5: GridSearchCV passes no dev set). The test
split stays unseen. Prints one row per candidate.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV, KFold

import belclf

CORPUS = Path(__file__).resolve().parent.parent / "training/data/corpus.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    docs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    train = [d for d in docs if d["split"] == "train"]
    random.Random(0).shuffle(train)
    train, dev = train[: args.docs], [d for d in docs if d["split"] == "dev"]

    def matrix(part: list[dict]) -> np.ndarray:
        return np.array([[int(l in d["labels"]) for l in belclf.LABELS] for d in part])

    grid = {"C": [1.0, 10.0, 30.0], "backend": ["tfidf", "tfidf+static"]}
    start = time.perf_counter()
    search = GridSearchCV(belclf.Classifier(), grid, cv=KFold(args.folds, shuffle=True, random_state=0))
    search.fit([d["text"] for d in train], matrix(train))
    seconds = time.perf_counter() - start
    print(f"{len(train)} train documents, {args.folds}-fold CV, {seconds:.0f} s\n")
    print("| C | backend | CV macro F1 (mean ± sd) | rank |\n|---:|---|---:|---:|")
    results = search.cv_results_
    for i, params in enumerate(results["params"]):
        print(f"| {params['C']:g} | {params['backend']} | {results['mean_test_score'][i]:.3f} ± "
              f"{results['std_test_score'][i]:.3f} | {results['rank_test_score'][i]} |")
    dev_score = search.score([d["text"] for d in dev], matrix(dev))
    print(f"\nbest: {search.best_params_}, CV {search.best_score_:.3f}; dev ({len(dev)} documents) {dev_score:.3f}")


if __name__ == "__main__":
    main()
