"""Every example script runs and does what it says."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(script: str, *args: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_classify_one(tmp_path):
    out = run("classify_one.py", cwd=tmp_path)
    assert "energy" in out and "why energy:" in out


def test_label_folder_labels_every_bundled_article(tmp_path):
    out = run("label_folder.py", "--out", "table.csv", cwd=tmp_path)
    n_files = sum(1 for p in (EXAMPLES / "articles").iterdir() if p.is_file())  # every file gives a row
    assert f"{n_files} files labelled" in out and (tmp_path / "table.csv").exists()


def test_bundled_articles_are_labelled_close_to_their_gold_labels(tmp_path):
    run("label_folder.py", "--out", "table.csv", cwd=tmp_path)
    import csv

    gold = {json.loads(l)["file"]: set(json.loads(l)["labels"])
            for l in (EXAMPLES / "articles-labels.jsonl").read_text().splitlines() if l.strip()}
    with open(tmp_path / "table.csv") as handle:
        predicted = {r["id"]: set(filter(None, r["labels"].split(";"))) for r in csv.DictReader(handle)}
    assert set(predicted) == set(gold)
    exact = sum(predicted[f] == gold[f] for f in gold)
    assert exact >= len(gold) // 2, {f: (predicted[f], gold[f]) for f in gold if predicted[f] != gold[f]}


def test_label_jsonl_writes_one_row_per_line_and_resumes(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"body": "Gazprom cut gas to Belarus.", "id": "a"}) + "\n"
                      + json.dumps({"body": "", "id": "b"}) + "\n")
    out = run("label_jsonl.py", str(export), "--text-column", "body", "--id-column", "id", "--out", "o.jsonl",
              cwd=tmp_path)
    assert json.loads(out.splitlines()[0]) == {"rows": 2, "skipped": 0, "errors": 1, "html": 0, "duplicates": 0}
    again = run("label_jsonl.py", str(export), "--text-column", "body", "--id-column", "id", "--out", "o.jsonl",
                cwd=tmp_path)
    assert json.loads(again.splitlines()[0]) == {"rows": 0, "skipped": 2, "errors": 0, "html": 0, "duplicates": 0}


def test_datasets_map(tmp_path):
    out = run("datasets_map.py", cwd=tmp_path)
    assert "score_energy" in out and "labels" in out


def test_retrain_custom_labels(tmp_path):
    out = run("retrain_custom.py", "--out", str(tmp_path / "m"), cwd=tmp_path)
    assert "retrained on the custom labels" in out and "foreign_relations" in out
    import belclf

    assert belclf.load(tmp_path / "m").labels == ["foreign_relations", "money"]
