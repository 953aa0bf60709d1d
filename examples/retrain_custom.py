"""Retrain on a custom label set and compare with the bundled model.

The custom scheme here asks one question of each document: is it about Belarus's foreign
relations ("foreign_relations": either direction), and is it about the economy or energy
("money": either of those themes). The labels are derived from the project's corpus, so
the bundled model, mapped to the same scheme, can be compared on the same test split.

    python examples/retrain_custom.py [--out out/custom-model] [--force]
"""
import argparse
import json
from pathlib import Path

import numpy as np

import belclf
from belclf.metrics import evaluate, format_report

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--corpus", default=str(ROOT / "training/data/corpus.jsonl"))
parser.add_argument("--out", default="out/custom-model")
parser.add_argument("--force", action="store_true", help="replace a model already at --out")
args = parser.parse_args()


def custom(labels: list[str]) -> list[str]:
    out = []
    if {"minsk_west", "minsk_moscow"} & set(labels):
        out.append("foreign_relations")
    if {"economy", "energy"} & set(labels):
        out.append("money")
    return out


docs = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
data = Path(args.out).with_suffix(".jsonl")
data.parent.mkdir(parents=True, exist_ok=True)
data.write_text("".join(json.dumps({"text": d["text"], "labels": custom(d["labels"]), "split": d["split"]}) + "\n"
                        for d in docs), encoding="utf-8")

model = belclf.train(data, ["foreign_relations", "money"], output=args.out, overwrite=args.force)
test = [d for d in docs if d["split"] == "test"]
truth = np.array([[int(l in custom(d["labels"])) for l in model.labels] for d in test])
texts = [d["text"] for d in test]

retrained = model.predict(texts)
bundled = np.array([[int(l in custom(p.labels)) for l in model.labels] for p in belclf.classify_many(texts)])
for name, predicted in (("retrained on the custom labels", retrained), ("bundled model, mapped", bundled)):
    print(f"\n{name}:\n{format_report(evaluate(truth, predicted, model.labels))}")
print(f"\nsaved the custom model to {args.out}; use it with belclf.load({args.out!r})")
