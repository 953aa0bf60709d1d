"""The model folder: safetensors and JSON under a SHA-256 manifest; nothing in it can run code."""
from __future__ import annotations

import contextlib
import json
import os
import pickle
import subprocess
import sys

import pytest

import belclf
from belclf.model import ModelError

from conftest import ROOT

FILES = {"model.safetensors", "model.json", "card.json", "manifest.json"}


@pytest.fixture
def saved(custom_data, tmp_path):
    belclf.train(custom_data, min_positives=3, output=tmp_path / "m")
    return tmp_path / "m"


class _Payload:
    """Unpickling this creates the file named in ``marker``: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_saved_model_is_safetensors_and_json_only(saved):
    assert {p.name for p in saved.iterdir()} == FILES
    json.loads((saved / "model.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["model.joblib", "model.pkl", "model.safetensors", "model.json"])
def test_a_crafted_pickle_in_a_model_folder_is_never_executed(saved, tmp_path, name):
    marker = tmp_path / f"ran-{name}"
    (saved / name).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError) if name in ("model.safetensors", "model.json") else contextlib.nullcontext():
        belclf.load(saved)
    assert not marker.exists()


def test_a_legacy_pickle_model_is_refused_with_what_to_do(tmp_path):
    marker = tmp_path / "ran"
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "model.joblib").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match=r"belclf 0.1 model .*Retrain it with `belclf train`.*trust=True"):
        belclf.load(folder)
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncate", "edit"])
@pytest.mark.parametrize("name", ["model.safetensors", "model.json", "card.json"])
def test_a_truncated_or_edited_file_is_a_clear_model_error(saved, name, damage):
    data = (saved / name).read_bytes()
    edited = data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]  # one bit of one byte
    (saved / name).write_bytes(data[: len(data) // 2] if damage == "truncate" else edited)
    with pytest.raises(ModelError, match=f"{name} does not match the SHA-256"):
        belclf.load(saved)


def test_consistent_but_wrong_files_are_a_model_error_not_a_crash(saved):
    # someone who rewrites the manifest too gets a clear error, never a traceback from deep inside
    from belclf.model import _sha256

    state = json.loads((saved / "model.json").read_text(encoding="utf-8"))
    state["features"][0]["terms"] = state["features"][0]["terms"][:3]
    (saved / "model.json").write_text(json.dumps(state), encoding="utf-8")
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    manifest["model.json"] = _sha256(saved / "model.json")
    (saved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="the model files are inconsistent"):
        belclf.load(saved)
    (saved / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest.json is missing"):
        belclf.load(saved)


def test_model_folders_follow_the_umask(custom_data, tmp_path):
    old = os.umask(0o022)
    try:
        belclf.train(custom_data, min_positives=3, output=tmp_path / "m")
    finally:
        os.umask(old)
    assert oct((tmp_path / "m").stat().st_mode & 0o777) == oct(0o755)
    assert all(oct(p.stat().st_mode & 0o777) == oct(0o644) for p in (tmp_path / "m").iterdir())


def test_loading_and_classifying_import_neither_joblib_nor_sklearn_nor_torch_nor_scipy():
    code = ("import sys, belclf; belclf.load('tfidf').classify_many(['Minsk and Moscow signed a gas deal.'] * 300); "
            "belclf.load('default'); print(sorted(m for m in ('joblib', 'sklearn', 'torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
