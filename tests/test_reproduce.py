"""Retraining from training/data with the shipped settings reproduces the bundled models."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import belclf

from conftest import ROOT

spec = importlib.util.spec_from_file_location("train_script", ROOT / "training" / "train.py")
train_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_script)


@pytest.mark.parametrize("tier", sorted(train_script.TIERS))
def test_retraining_reproduces_the_bundled_model(tier, corpus_path):
    shipped = belclf.load(tier)
    retrained = belclf.train(corpus_path, list(belclf.LABELS), seed=0, **train_script.TIERS[tier])
    assert retrained.card["data"]["sha256"] == shipped.card["data"]["sha256"], "the corpus changed: run make train"
    assert json.dumps(retrained.card["metrics"], sort_keys=True) == json.dumps(shipped.card["metrics"], sort_keys=True)
    assert np.array_equal(retrained.thresholds, shipped.thresholds)
    texts = [json.loads(line)["text"] for line in corpus_path.read_text(encoding="utf-8").splitlines()[:50]]
    assert np.allclose(retrained.predict_proba(texts), shipped.predict_proba(texts), rtol=0, atol=1e-9)


def test_the_default_tier_is_one_of_the_trained_ones():
    assert belclf.models.resolve("default").name == train_script.DEFAULT_TIER
