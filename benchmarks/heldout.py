"""Held-out writers and genres: train on all groups but one, score the one left out.

    python benchmarks/heldout.py [--by genre|writer] [--tiers tfidf accurate] [--C 10 30]

Uses the train and dev documents of the corpus (the test split stays unseen): for each group,
the other groups' train documents fit the model, their dev documents set its thresholds, and
the left-out group's train+dev documents are scored. Predictions of all folds are pooled into
one macro F1 (and one per group). Leave-one-genre-out sees wording shift that
leave-one-writer-out cannot, since a writer kept to one brief but genres differ in form.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training/data/corpus.jsonl"
sys.path.insert(0, str(ROOT / "training"))


def cache_encoder() -> None:
    """Encoder vectors do not depend on the fold: compute each text's once."""
    from belclf.transformer import WindowedEncoder

    original, memo = WindowedEncoder.transform, {}

    def transform(self, texts):
        key = (self.layers, self.int8, self.max_windows)
        missing = [t for t in dict.fromkeys(texts) if (*key, t) not in memo]
        if missing:
            memo.update(zip([(*key, t) for t in missing], original(self, missing)))
        return np.stack([memo[(*key, t)] for t in texts])

    WindowedEncoder.transform = transform


def held_out(params: dict, by: str, progress: bool = True) -> dict:
    """Pooled and per-group macro F1 of a model trained with ``params`` on the other groups."""
    import belclf
    from belclf.metrics import evaluate
    from belclf.model import Classifier

    labels = list(belclf.LABELS)
    docs = [d for d in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines()) if d["split"] != "test"]
    y = np.array([[int(l in d["labels"]) for l in labels] for d in docs])
    relevant = np.array([d.get("about_belarus", True) for d in docs])
    groups = sorted({d[by] for d in docs})
    predicted = np.zeros_like(y)
    per_group = {}
    for n, group in enumerate(groups, 1):
        fit = [i for i, d in enumerate(docs) if d[by] != group and d["split"] == "train"]
        dev = [i for i, d in enumerate(docs) if d[by] != group and d["split"] == "dev"]
        out = [i for i, d in enumerate(docs) if d[by] == group]
        model = Classifier(labels, **params).fit([docs[i]["text"] for i in fit], y[fit],
                                                 [docs[i]["text"] for i in dev], y[dev], relevant[fit], relevant[dev])
        predicted[out] = model.predict([docs[i]["text"] for i in out])
        per_group[group] = evaluate(y[out], predicted[out], labels)["macro_f1"]
        if progress:
            print(f"  {n}/{len(groups)} {group}: {per_group[group]:.3f}", file=sys.stderr, flush=True)
    pooled = evaluate(y, predicted, labels)
    return {"macro_f1": pooled["macro_f1"], "labels": {l: m["f1"] for l, m in pooled["labels"].items()},
            "groups": per_group}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--by", choices=["genre", "writer"], default="genre")
    parser.add_argument("--tiers", nargs="*", default=["tfidf", "accurate"])
    parser.add_argument("--C", type=float, nargs="*", help="try these C instead of each tier's own")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    from train import TIERS

    cache_encoder()
    results = {}
    for tier in args.tiers:
        for C in args.C or [TIERS[tier]["C"]]:
            name = f"{tier} C={C:g}"
            print(name, file=sys.stderr)
            results[name] = held_out({**TIERS[tier], "C": C}, args.by)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    labels = list(next(iter(results.values()))["labels"])
    print(f"| leave-one-{args.by}-out | macro F1 | " + " | ".join(labels) + " |")
    print("|---|---:|" + "---:|" * len(labels))
    for name, r in results.items():
        print(f"| {name} | {r['macro_f1']:.3f} | " + " | ".join(f"{r['labels'][l]:.3f}" for l in labels) + " |")


if __name__ == "__main__":
    main()
