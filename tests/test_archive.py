"""belclf label: every input gives one row, bad files included; resume after SIGKILL."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from belclf.archive import find_date, label_archive, read_rows
from belclf.report import write_report

ARTICLE = "Minsk and Moscow signed a gas deal\nMarch 3, 2019 14:20\n\nGazprom will supply gas at a lower price."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pages"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "sub" / "b.html").write_text("<html><body><h1>NATO drills</h1><p>Poland moved troops.</p></body></html>")
    (root / "c.md").write_text("# Potash\nBelaruskali exports fell after sanctions.")
    (root / "empty.txt").write_text("  \n")
    (root / "latin1.txt").write_bytes("Caf\xe9 in Brest".encode("latin-1"))
    (root / "ignored.pdf").write_bytes(b"%PDF")
    return root


def test_a_folder_gives_one_row_per_input_with_errors_recorded(folder, tmp_path):
    out = tmp_path / "out.jsonl"
    counts = label_archive(folder, out, progress=False)
    rows = {r["id"]: r for r in read_rows(out)}
    assert sorted(rows) == ["a.txt", "c.md", "empty.txt", "latin1.txt", "sub/b.html"]
    assert counts == {"rows": 5, "skipped": 0, "errors": 2, "html": 1}
    assert rows["empty.txt"]["error"] == "empty" and rows["empty.txt"]["labels"] == []
    assert rows["latin1.txt"]["error"].startswith("bad encoding")
    assert "energy" in rows["a.txt"]["labels"] and rows["a.txt"]["date"] == "2019-03-03"
    assert rows["a.txt"]["error"] is None and set(rows["a.txt"]["scores"]) == {
        "security", "human_rights", "economy", "energy", "minsk_west", "minsk_moscow"}
    assert 0 <= rows["a.txt"]["relevance"] <= 1 and rows["empty.txt"]["relevance"] is None


def test_the_progress_line_names_the_html_extractor(folder, tmp_path, monkeypatch):
    class Terminal(io.StringIO):  # tqdm draws only on a terminal
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    label_archive(folder, tmp_path / "out.jsonl", progress=True)
    assert "HTML: trafilatura" in terminal.getvalue()


def test_jsonl_csv_and_parquet_tables_in_and_out(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"body": ARTICLE, "key": "k1"}) + "\nnot json\n" + json.dumps({"key": "k3"}) + "\n")
    label_archive(src, tmp_path / "o.csv", text_column="body", id_column="key", progress=False)
    with open(tmp_path / "o.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["k1", "row:2", "k3"]  # a row that cannot be parsed has no id of its own
    assert "unreadable JSON" in rows[1]["error"] and "no 'body' value" in rows[2]["error"]
    assert float(rows[0]["score_energy"]) > 0.5

    import pyarrow.parquet as pq

    label_archive(tmp_path / "o.csv", tmp_path / "o.parquet", text_column="labels", progress=False)
    table = pq.read_table(tmp_path / "o.parquet")
    assert table.num_rows == 3 and "score_energy" in table.column_names
    assert not list(tmp_path.glob("*.part.jsonl"))  # the journal is gone after conversion


def test_an_existing_output_is_not_overwritten_without_resume(folder, tmp_path):
    out = tmp_path / "out.jsonl"
    label_archive(folder, out, progress=False)
    with pytest.raises(FileExistsError):
        label_archive(folder, out, progress=False)


def test_two_workers_write_the_same_rows_as_one(folder, tmp_path):
    label_archive(folder, tmp_path / "one.jsonl", progress=False, batch_size=2)
    label_archive(folder, tmp_path / "two.jsonl", progress=False, batch_size=2, workers=2)
    one, two = list(read_rows(tmp_path / "one.jsonl")), list(read_rows(tmp_path / "two.jsonl"))
    assert [r["id"] for r in one] == [r["id"] for r in two]
    assert [r["labels"] for r in one] == [r["labels"] for r in two]


def test_resume_after_sigkill_loses_and_repeats_no_row(tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    for i in range(3000):
        (root / f"{i:05d}.txt").write_text(f"Report {i}. " + ARTICLE * (1 + i % 3))
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "belclf.cli", "label", str(root), "--out", str(out), "--quiet", "--batch-size", "50"]
    process = subprocess.Popen(command)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = out.read_bytes().count(b"\n")
    assert 0 < partial < 3000, "the run should have been killed part way"
    with open(out, "ab") as handle:  # a write torn by the kill
        handle.write(b'{"id": "00001.txt", "lab')
    result = subprocess.run(command + ["--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    ids = [r["id"] for r in read_rows(out)]
    assert len(ids) == len(set(ids)) == 3000


def test_find_date_reads_common_formats():
    assert find_date("Title\nSeptember 26, 2016 10:28\nText") == "2016-09-26"
    assert find_date("Title\n03.11.2020\n") == "2020-11-03"
    assert find_date("Title\nPublished: 3 March 2019\n") == "2019-03-03"
    assert find_date("No date here at all") is None


def test_report_shows_counts_and_direction_trend(tmp_path):
    out = tmp_path / "rows.jsonl"
    rows = [{"id": str(i), "date": f"{2015 + i % 3}-01-01", "labels": ["minsk_west"] if i % 2 else ["minsk_moscow"],
             "scores": {"minsk_west": 0.0, "minsk_moscow": 0.0}, "error": None} for i in range(10)]
    rows.append({"id": "bad", "date": None, "labels": [], "scores": {}, "error": "empty"})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    page = write_report(out, tmp_path / "r.html").read_text()
    assert "11 documents, 10 labelled, 1 could not be read" in page
    assert page.count("<polyline") == 2 and "minsk_west" in page
