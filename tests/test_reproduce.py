"""Retraining from training/data with the shipped settings reproduces the bundled models.

"Reproduces" means: same data and seed give the same metrics (counts exactly, the ratios
made from them to 1e-9), thresholds within 1e-3 and probabilities within 1e-4. Solvers and
BLAS add floats in another order on another CPU, so the last digits may differ; a threshold
is a dev-set probability, so it moves with them. A tier with an int8 encoder gets 5e-3 for
probabilities: int8 kernels differ between CPUs (torch's eager int8 moved them by 8e-4 between
two machines; onnxruntime also picks its int8 kernels by CPU).
"""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import belclf

from conftest import ROOT

THRESHOLD_TOLERANCE = 1e-3
PROBABILITY_TOLERANCE = 1e-4
INT8_PROBABILITY_TOLERANCE = 5e-3

spec = importlib.util.spec_from_file_location("train_script", ROOT / "training" / "train.py")
train_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_script)


def metric_differences(shipped: dict, retrained: dict, where: str = "metrics") -> list[str]:
    """Every number that differs between two metric reports: counts exactly, ratios to 1e-9."""
    out = []
    for key in sorted(set(shipped) | set(retrained)):
        a, b = shipped.get(key), retrained.get(key)
        name = f"{where}.{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += metric_differences(a, b, name)
        elif isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
            if a != b:
                out.append(f"{name}: {a} shipped, {b} retrained")
        elif isinstance(a, float) and isinstance(b, (int, float)):
            if abs(a - b) > 1e-9:
                out.append(f"{name}: {a:.6f} shipped, {b:.6f} retrained (moved by {b - a:+.2e})")
        elif a != b:
            out.append(f"{name}: {a!r} shipped, {b!r} retrained")
    return out


@pytest.mark.parametrize("tier", sorted(train_script.TIERS))
def test_retraining_reproduces_the_bundled_model(tier, corpus_path):
    shipped = belclf.load(tier)
    retrained = belclf.train(corpus_path, list(belclf.LABELS), seed=0, **train_script.TIERS[tier])
    assert retrained.card["data"]["sha256"] == shipped.card["data"]["sha256"], "the corpus changed: run make train"
    moved = metric_differences(shipped.card["metrics"], retrained.card["metrics"])
    assert not moved, "metrics differ:\n" + "\n".join(moved)
    moved = [f"threshold of {label}: {a:.6f} shipped, {b:.6f} retrained (moved by {b - a:+.2e})"
             for label, a, b in zip(shipped.labels, shipped.thresholds, retrained.thresholds)
             if abs(a - b) > THRESHOLD_TOLERANCE]
    assert not moved, f"thresholds moved by more than {THRESHOLD_TOLERANCE}:\n" + "\n".join(moved)
    texts = [json.loads(line)["text"] for line in corpus_path.read_text(encoding="utf-8").splitlines()[:50]]
    gap = np.abs(retrained.predict_proba(texts) - shipped.predict_proba(texts))
    row, column = np.unravel_index(np.argmax(gap), gap.shape)
    tolerance = INT8_PROBABILITY_TOLERANCE if shipped.encoder_int8 else PROBABILITY_TOLERANCE
    assert gap.max() <= tolerance, (
        f"probability of {shipped.labels[column]} on corpus row {row + 1} moved by {gap.max():.2e} "
        f"(tolerance {tolerance})")


def test_the_comparison_names_the_number_that_moved():
    shipped = {"n": 10, "macro_f1": 0.9, "labels": {"energy": {"support": 4, "f1": 0.8}}}
    retrained = {"n": 10, "macro_f1": 0.9, "labels": {"energy": {"support": 5, "f1": 0.8 + 1e-12}}}
    assert metric_differences(shipped, retrained) == ["metrics.labels.energy.support: 4 shipped, 5 retrained"]


def test_the_default_tier_is_one_of_the_trained_ones():
    assert belclf.models.resolve("default").name == train_script.DEFAULT_TIER
