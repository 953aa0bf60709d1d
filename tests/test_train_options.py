"""Training: in-memory data, the Classifier's parameters on the command line, bundled tiers'
settings, progress bars, and no silent overwriting of a model."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import belclf
from belclf.data import DataError
from belclf.models import models_dir, tier_params

from conftest import CUSTOM, write_jsonl

ROWS = [{"text": t, "labels": l, "split": "dev" if i in (5, 11) else "train"} for i, (t, l) in enumerate(CUSTOM)]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "belclf.cli", *args], capture_output=True, text=True)


def test_a_list_of_dicts_a_dataframe_and_a_dataset_train_the_same_model_as_the_file(tmp_path):
    pd = pytest.importorskip("pandas")
    datasets = pytest.importorskip("datasets")
    from_file = belclf.train(write_jsonl(tmp_path / "d.jsonl", ROWS), min_positives=3, progress=False)
    for data in (ROWS, pd.DataFrame(ROWS), datasets.Dataset.from_list(ROWS)):
        model = belclf.train(data, min_positives=3, progress=False)
        assert model.labels == from_file.labels == ["migration", "minsk_beijing"]
        assert np.array_equal(model.coef, from_file.coef) and np.array_equal(model.thresholds, from_file.thresholds)
        assert model.card["data"]["sha256"] == from_file.card["data"]["sha256"]


def test_in_memory_rows_that_are_not_dicts_or_hold_bad_labels_are_named():
    with pytest.raises(DataError, match=r"row 2: a str, not a dict"):
        belclf.train([ROWS[0], "a text without labels"])
    with pytest.raises(DataError, match="row 2: labels must be a list"):
        belclf.train([ROWS[0], dict(ROWS[1], labels=7)])
    with pytest.raises(DataError, match="row 1: missing or empty text"):
        belclf.train([dict(ROWS[0], text="")] + ROWS[1:], min_positives=3)


def test_an_existing_model_is_kept_unless_overwrite(tmp_path):
    out = tmp_path / "m"
    belclf.train(ROWS, min_positives=3, output=out, progress=False)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(FileExistsError, match=r"already holds a model: pass overwrite=True \(CLI: --force\)"):
        belclf.train(ROWS, min_positives=3, C=1.0, output=out, progress=False)
    assert (out / "manifest.json").read_bytes() == before
    belclf.train(ROWS, min_positives=3, C=1.0, output=out, overwrite=True, progress=False)
    assert belclf.load(out).C == 1.0


def test_a_folder_that_is_not_a_model_is_never_replaced_and_an_empty_one_is_used(tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="is not a belclf model folder"):
        belclf.train(ROWS, min_positives=3, output=other, overwrite=True, progress=False)
    assert (other / "keep.txt").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    belclf.train(ROWS, min_positives=3, output=empty, progress=False)
    assert belclf.load(empty).labels == ["migration", "minsk_beijing"]


def test_train_command_refuses_an_existing_model_without_force(custom_data, tmp_path):
    out = tmp_path / "m"
    assert run("train", str(custom_data), "--out", str(out), "--min-positives", "3", "--quiet").returncode == 0
    before = (out / "manifest.json").read_bytes()
    result = run("train", str(custom_data), "--out", str(out), "--min-positives", "3", "--quiet", "--C", "1")
    assert result.returncode == 2 and "--force" in result.stderr and "Traceback" not in result.stderr
    assert (out / "manifest.json").read_bytes() == before
    result = run("train", str(custom_data), "--out", str(out), "--min-positives", "3", "--quiet", "--C", "1", "--force")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "card.json").read_text())["params"]["C"] == 1.0


def test_train_command_sets_the_classifier_parameters(custom_data, tmp_path):
    out = tmp_path / "m"
    result = run("train", str(custom_data), "--out", str(out), "--min-positives", "3", "--quiet", "--C", "3",
                 "--min-df", "1", "--no-actors", "--no-clean", "--languages", "en,de", "--seed", "4")
    assert result.returncode == 0, result.stderr
    params = json.loads((out / "card.json").read_text())["params"]
    assert params == dict(params, C=3.0, min_df=1, actors=False, clean=False, languages=["en", "de"], seed=4,
                          backend="tfidf")
    assert belclf.load(out).languages == ["en", "de"]


def test_tier_settings_come_from_the_bundled_model_and_options_override_them(custom_data, tmp_path):
    shipped = json.loads((models_dir() / "tfidf" / "model.json").read_text())["params"]
    assert tier_params("tfidf") == shipped and tier_params("default") == tier_params("tfidf")
    out = tmp_path / "m"
    result = run("train", str(custom_data), "--out", str(out), "--min-positives", "3", "--quiet", "--tier", "tfidf",
                 "--min-df", "1")
    assert result.returncode == 0, result.stderr
    params = json.loads((out / "card.json").read_text())["params"]
    assert params["C"] == shipped["C"] and params["actors"] == shipped["actors"] and params["min_df"] == 1
    assert run("train", str(custom_data), "--out", str(out), "--tier", "tfidff").returncode == 2  # lists the tiers


def test_training_shows_progress_per_label_and_fold_unless_quiet(custom_data, tmp_path):
    result = run("train", str(custom_data), "--out", str(tmp_path / "a"), "--min-positives", "3")
    assert result.returncode == 0, result.stderr
    assert "migration, fold 1/" in result.stderr and "minsk_beijing, all folds" in result.stderr
    assert "training with backend=tfidf" in result.stderr
    result = run("train", str(custom_data), "--out", str(tmp_path / "b"), "--min-positives", "3", "--quiet")
    assert "fold" not in result.stderr


def test_the_encoder_shows_progress_only_when_asked(capsys):
    pytest.importorskip("onnxruntime")
    encoder = next(f for f in belclf.load("accurate").features if f.kind == "transformer")
    texts = ["Belarus and Russia signed a treaty on a common gas market in Moscow. " * 3] * 2
    encoder.transform(texts)
    assert "encoder" not in capsys.readouterr().err
    encoder.progress = True
    try:
        encoder.transform(texts)
    finally:
        encoder.progress = False
    assert "encoder" in capsys.readouterr().err
