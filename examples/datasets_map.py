"""Add belclf labels to a Hugging Face ``datasets.Dataset`` with a batched ``map``.

    python examples/datasets_map.py
"""
from pathlib import Path

import datasets

import belclf

folder = Path(__file__).parent / "articles"
dataset = datasets.Dataset.from_list(
    [{"file": p.name, "text": p.read_text(encoding="utf-8")} for p in sorted(folder.glob("*.txt"))]
)
model = belclf.load()


def add_labels(batch: dict) -> dict:
    predictions = model.classify_many(batch["text"])
    return {"labels": [p.labels for p in predictions],
            **{f"score_{l}": [p.scores[l] for p in predictions] for l in model.labels}}


labelled = dataset.map(add_labels, batched=True, batch_size=64)
print(labelled)
for row in labelled.select_columns(["file", "labels"]):
    print(f"{row['file']:<44} {', '.join(row['labels']) or '-'}")
