"""Training a classifier from labelled data, with its model card."""
from __future__ import annotations

import datetime as _dt
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Sequence

from .data import load_labelled
from .metrics import evaluate, relevance_report
from .model import Classifier


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("belclf", "numpy", "scipy", "scikit-learn", "datasets", "tokenizers", "torch", "transformers", "onnx", "onnxruntime"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            pass
    return out


def train(
    data: Any,
    labels: Sequence[str] | None = None,
    *,
    backend: str = "tfidf",
    output: str | os.PathLike | None = None,
    text_column: str = "text",
    label_column: str = "labels",
    min_positives: int = 5,
    seed: int = 0,
    **params: Any,
) -> Classifier:
    """Train a classifier on labelled data and describe it in ``clf.card``.

    Args:
        data: a JSONL/JSON/CSV/Parquet path, a saved ``datasets`` dataset directory, or a
            ``datasets.Dataset``/``DatasetDict``; columns ``text`` and ``labels`` (a list, or a
            ``;``-separated string in CSV) and optionally ``split`` (train/dev/test).
        labels: the labels to learn (default: those in the data). Any label names work.
        backend: feature blocks joined by ``+`` from ``tfidf``, ``static``, ``transformer``.
        output: if given, the model is saved there (atomically: a failed run leaves an
            earlier model at that path untouched).
        min_positives: the fewest positive training texts a label may have.
        seed: seeds the split (when the data has none), cross-validation and solvers.
        **params: further ``Classifier`` parameters (``C``, ``min_df``, ``embedding_weight``...).

    Thresholds are tuned on the dev split; the test split is only scored, never used to choose.
    """
    data_ = load_labelled(data, labels, text_column, label_column, min_positives, seed=seed)
    train_texts, train_y = data_.part("train")
    dev_texts, dev_y = data_.part("dev")
    classifier = Classifier(data_.labels, backend=backend, seed=seed, **params)
    classifier.fit(train_texts, train_y, dev_texts, dev_y, data_.relevant_part("train"), data_.relevant_part("dev"))
    metrics = {}
    for split in ("dev", "test"):
        texts, y = data_.part(split)
        if texts:
            predicted, relevance = classifier._predict(texts)  # one pass: the encoder tier is slow
            metrics[split] = evaluate(y, predicted, data_.labels)
            relevant = data_.relevant_part(split)
            if classifier.gate is not None and not relevant.all():
                metrics[split]["relevance"] = relevance_report(relevance, relevant, classifier.gate.threshold)
    classifier.card = {
        "backend": backend,
        "params": classifier.get_params(),
        "metrics": metrics,
        "data": {"source": os.path.basename(data_.source), "sha256": data_.sha256, "counts": data_.counts()},
        "versions": _versions(),
        "created": _dt.date.today().isoformat(),
    }
    if output is not None:
        classifier.save(output)
    return classifier
