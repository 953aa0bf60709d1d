"""The Ray Data and Spark recipes of examples/: run on a local cluster, same rows as belclf label."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import belclf
from belclf.archive import label_archive, label_records, read_rows, table_columns

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "examples" / "articles"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The bundled articles, one in a subfolder, plus a file that is not UTF-8 and an empty one."""
    root = tmp_path_factory.mktemp("archive")
    pages = sorted(p for p in ARTICLES.iterdir() if p.suffix in (".txt", ".md", ".html"))
    for page in pages[1:]:
        shutil.copy(page, root / page.name)
    (root / "older").mkdir()
    shutil.copy(pages[0], root / "older" / pages[0].name)
    (root / "latin1 page.txt").write_bytes("Lukashenko met the Polish envoy in Brest. Café".encode("latin-1"))
    (root / "empty.txt").write_text("")
    (root / "notes.json").write_text("{}")  # not a page: its row says it was skipped, in belclf label and the recipes
    return root


@pytest.fixture(scope="module")
def expected(archive, tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("reference") / "labels.jsonl"
    label_archive(archive, out, progress=False)
    return {row["id"]: row for row in read_rows(out)}


def check_output(out: Path, expected: dict[str, dict], summary: dict) -> None:
    """One row per input with belclf label's labels, scores and errors."""
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.column_names == [name for name, _ in table_columns(belclf.LABELS)]
    rows = table.to_pylist()
    assert len(rows) == len(expected) == summary["rows"]
    assert sorted(r["id"] for r in rows) == sorted(expected)
    assert summary["errors"] == 2
    for row in rows:
        want = expected[row["id"]]
        assert row["error"] == want["error"], row["id"]
        assert row["labels"] == ";".join(want["labels"]) and row["date"] == want["date"], row["id"]
        for label in belclf.LABELS:
            score, want_score = row[f"score_{label}"], want["scores"].get(label)
            assert (score is None and want_score is None) or abs(score - want_score) <= 2e-4, (row["id"], label)


def run_recipe(script: str, archive: Path, out: Path) -> dict:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    # the archive named relative to the working directory, as a user types it
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), archive.name, "--out", str(out)],
                            capture_output=True, text=True, env=env, cwd=archive.parent, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra: pip install 'belclf[ray]'")
def test_ray_data_recipe_labels_every_file_once(archive, expected, tmp_path):
    summary = run_recipe("ray_label.py", archive, tmp_path / "labels")
    check_output(tmp_path / "labels", expected, summary)


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None,
                    reason="needs the spark extra: pip install 'belclf[spark]'")
@pytest.mark.skipif(shutil.which("java") is None, reason="PySpark needs a Java runtime (17 or later) on PATH")
def test_spark_recipe_labels_every_file_once(archive, expected, tmp_path):
    summary = run_recipe("spark_label.py", archive, tmp_path / "labels")
    check_output(tmp_path / "labels", expected, summary)


class FailsOn:
    """The default model, except that it raises on texts containing ``word`` (an input that
    breaks the model must cost one row, not the job)."""

    def __init__(self, word: str) -> None:
        self.model, self.word, self.labels = belclf.load(), word, belclf.load().labels

    def classify(self, text: str, explain: bool = False):
        if self.word in text:
            raise RuntimeError(f"cannot read {self.word!r}")
        return self.model.classify(text, explain=explain)

    def classify_many(self, texts, explain: bool = False):
        return [self.classify(t, explain) for t in texts]


def test_label_records_gives_one_row_per_input_and_says_why_one_failed():
    values = ["Gazprom cut gas to Belarus.", "Minsk BOOM", None, float("nan"), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"Lukashenko met Putin.",
              "   ", 7, PermissionError(13, "Permission denied")]
    rows = label_records(FailsOn("BOOM"), range(len(values)), values)
    assert [r["id"] for r in rows] == [str(i) for i in range(len(values))]
    assert [r["error"] for r in rows] == [
        None, "labelling failed: RuntimeError: cannot read 'BOOM'", "no 'text' value", "no 'text' value",
        "not text: not UTF-8 (invalid start byte at byte 0) and no known encoding fits", None, "empty", "'text' is int, not text",
        "unreadable: Permission denied"]
    good = belclf.load().classify_many([values[0], values[5].decode()])
    for row, prediction in zip([rows[0], rows[5]], good):
        assert row["labels"] == ";".join(prediction.labels)
        assert np.allclose([row[f"score_{l}"] for l in belclf.LABELS], [prediction.scores[l] for l in belclf.LABELS],
                           rtol=0, atol=2e-4)  # to_dict rounds scores to 4 places
    assert all(r[f"score_{l}"] is None for r in rows[1:5] for l in belclf.LABELS)
