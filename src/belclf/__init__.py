"""belclf: label articles about Belarus by theme and by relationship direction.

>>> import belclf
>>> p = belclf.classify("Minsk and Moscow signed a new gas price deal.")
>>> p.labels, p.scores
"""
from __future__ import annotations

import os
import threading
from typing import Any, Sequence

from . import actors, models
from .clean import clean
from .model import Classifier, ModelError
from .prediction import DIRECTIONS, LABELS, THEMES, Evidence, Prediction

__version__ = "0.1.0"
__all__ = [
    "classify", "classify_many", "load", "train", "clean", "evaluate_model", "actors",
    "Classifier", "Prediction", "Evidence", "ModelError", "LABELS", "THEMES", "DIRECTIONS",
]

_default: Classifier | None = None
_lock = threading.Lock()


def load(name_or_path: str | os.PathLike = "default") -> Classifier:
    """Load a bundled tier (``"default"``, ``"tfidf"``, ``"accurate"``) or a saved model directory."""
    from .models import resolve

    return Classifier.load(resolve(str(name_or_path)))


def _default_model() -> Classifier:
    global _default
    if _default is None:
        with _lock:  # one load, even when threads race for it
            if _default is None:
                _default = load()
    return _default


def classify(text: str, explain: bool = False) -> Prediction:
    """Classify one text with the bundled default model (loaded once, then kept)."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return _default_model().classify(text, explain=explain)


def classify_many(texts: Sequence[str], batch_size: int = 512, explain: bool = False) -> list[Prediction]:
    """Classify many texts with the default model; same results as ``classify`` on each."""
    return _default_model().classify_many(texts, batch_size=batch_size, explain=explain)


def train(data: Any, labels: Sequence[str] | None = None, **kwargs: Any) -> Classifier:
    """Train a classifier on labelled data (see ``belclf.trainer.train`` for the arguments)."""
    from .trainer import train as _train

    return _train(data, labels, **kwargs)


def evaluate_model(classifier: Classifier, data: Any, **kwargs: Any) -> dict:
    """Per-label precision/recall/F1 and micro/macro F1 of ``classifier`` on labelled data (all rows)."""
    from .data import load_labelled
    from .metrics import evaluate

    data_ = load_labelled(data, classifier.labels, min_positives=0, check_splits=False, **kwargs)
    return evaluate(data_.y, classifier.predict(data_.texts), classifier.labels)
