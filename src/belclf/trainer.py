"""Training a classifier from labelled data, with its model card."""
from __future__ import annotations

import datetime as _dt
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
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
    overwrite: bool = False,
    text_column: str = "text",
    label_column: str = "labels",
    min_positives: int = 5,
    seed: int = 0,
    progress: bool = True,
    **params: Any,
) -> Classifier:
    """Train a classifier on labelled data and describe it in ``clf.card``.

    Args:
        data: a JSONL/JSON/CSV/Parquet path, a saved ``datasets`` dataset directory, a
            ``datasets.Dataset``/``DatasetDict``, a pandas ``DataFrame`` or a list of dicts such as
            ``[{"text": "...", "labels": ["economy"]}, ...]``; columns ``text`` and ``labels`` (a
            list, or a ``;``-separated string) and optionally ``split`` (train/dev/test) and
            ``about_belarus`` (false trains the relevance gate).
        labels: the labels to learn (default: those in the data). Any label names work.
        backend: feature blocks joined by ``+`` from ``tfidf``, ``static``, ``transformer``.
        output: if given, the model is saved there (atomically: a failed run leaves an
            earlier model at that path untouched).
        overwrite: replace a model already at ``output``. Off by default, as Hugging Face's
            ``overwrite_output_dir``: an existing model is kept and ``FileExistsError`` raised
            before any work. A folder that holds anything but a belclf model is never replaced.
        min_positives: the fewest positive training texts a label may have.
        seed: seeds the split (when the data has none), cross-validation and solvers.
        progress: progress bars on standard error: one per head and fold, and one per encoder
            batch for the ``transformer`` backend.
        **params: further ``Classifier`` parameters (``C``, ``min_df``, ``embedding_weight``,
            ``encoder_layers``, ``languages``...). ``belclf.models.tier_params("tfidf")`` gives a
            bundled tier's, e.g. ``train(data, **tier_params("tfidf"))`` trains the way it was trained.

    Thresholds are tuned on the dev split; the test split is only scored, never used to choose.
    """
    if output is not None:
        check_output(Path(output), overwrite)
    data_ = load_labelled(data, labels, text_column, label_column, min_positives, seed=seed)
    train_texts, train_y = data_.part("train")
    dev_texts, dev_y = data_.part("dev")
    classifier = Classifier(data_.labels, backend=backend, seed=seed, **params)
    classifier.fit(train_texts, train_y, dev_texts, dev_y, data_.relevant_part("train"), data_.relevant_part("dev"),
                   progress=progress)
    metrics = {}
    classifier._show_progress(progress)
    try:
        for split in ("dev", "test"):
            texts, y = data_.part(split)
            if texts:
                predicted, relevance = classifier._predict(texts)  # one pass: the encoder tier is slow
                metrics[split] = evaluate(y, predicted, data_.labels)
                relevant = data_.relevant_part(split)
                if classifier.gate is not None and not relevant.all():
                    metrics[split]["relevance"] = relevance_report(relevance, relevant, classifier.gate.threshold)
    finally:
        classifier._show_progress(False)
    classifier.card = {
        "backend": backend,
        "params": classifier.saved_params(),
        "metrics": metrics,
        "data": {"source": os.path.basename(data_.source), "sha256": data_.sha256, "counts": data_.counts()},
        "versions": _versions(),
        "created": _dt.date.today().isoformat(),
    }
    if output is not None:
        classifier.save(output)
    return classifier


def check_output(path: Path, overwrite: bool) -> None:
    """Refuse to train into ``path`` when the model would replace something it should not."""
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        return
    from .model import LEGACY_FILE, MANIFEST_FILE

    if not path.is_dir() or not ((path / MANIFEST_FILE).is_file() or (path / LEGACY_FILE).is_file()):
        raise FileExistsError(f"{path} exists and is not a belclf model folder: choose another output")
    if not overwrite:
        raise FileExistsError(f"{path} already holds a model: pass overwrite=True (CLI: --force) to replace it, "
                              "or choose another output")
