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

import belclf
from belclf.archive import decode_text, find_date, label_archive, normalise_date, read_rows
from belclf.models import model_id
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
    (folder / ".DS_Store").write_bytes(b"\x00\x01")  # hidden files are not inputs
    out = tmp_path / "out.jsonl"
    counts = label_archive(folder, out, progress=False)
    rows = {r["id"]: r for r in read_rows(out)}
    assert sorted(rows) == ["a.txt", "c.md", "empty.txt", "ignored.pdf", "latin1.txt", "sub/b.html"]
    assert counts == {"rows": 6, "skipped": 0, "errors": 2, "html": 1, "duplicates": 0}
    assert rows["empty.txt"]["error"] == "empty" and rows["empty.txt"]["labels"] == []
    assert rows["ignored.pdf"]["error"].startswith("skipped: not a text file")
    assert rows["latin1.txt"]["error"] is None and rows["latin1.txt"]["note"].startswith("decoded as ")
    assert "energy" in rows["a.txt"]["labels"] and rows["a.txt"]["date"] == "2019-03-03"
    assert rows["a.txt"]["error"] is None and set(rows["a.txt"]["scores"]) == {
        "security", "human_rights", "economy", "energy", "minsk_west", "minsk_moscow"}
    assert 0 <= rows["a.txt"]["relevance"] <= 1 and rows["empty.txt"]["relevance"] is None
    assert {r["model"] for r in rows.values()} == {model_id("default")[0]} and model_id("default")[0].startswith("tfidf@")


def test_html_dates_come_from_the_page_and_labels_equal_those_of_the_raw_page(tmp_path):
    root = tmp_path / "pages"
    root.mkdir()
    body = "<p>Gazprom raised the gas price for Belarus after talks in Moscow.</p>" * 8
    (root / "time.html").write_text(f'<html><body><article><time datetime="2020-08-09">9 Aug</time>'
                                    f'{body}</article></body></html>')
    (root / "meta.html").write_text('<html><head><meta property="article:published_time" content="2016-05-01">'
                                    f"</head><body><article>{body}</article></body></html>")
    label_archive(root, tmp_path / "o.jsonl", progress=False)
    rows = {r["id"]: r for r in read_rows(tmp_path / "o.jsonl")}
    assert rows["time.html"]["date"] == "2020-08-09" and rows["meta.html"]["date"] == "2016-05-01"
    raw = belclf.classify((root / "time.html").read_text())  # the archive hands the model the main text
    assert rows["time.html"]["labels"] == raw.labels


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


def test_the_four_output_formats_hold_the_same_rows(folder, tmp_path):
    for out in ("o.jsonl", "o.csv", "o.parquet", "o"):  # "o": a folder, a saved datasets dataset
        label_archive(folder, tmp_path / out, progress=False, explain=True)
    jsonl, csv_rows, parquet, dataset = (list(read_rows(tmp_path / s)) for s in ("o.jsonl", "o.csv", "o.parquet", "o"))
    assert len(jsonl) == 6 and (tmp_path / "o" / "dataset_info.json").is_file()
    for rows in (csv_rows, parquet, dataset):
        for got, want in zip(rows, jsonl):  # the same rows, lists and dicts included
            assert {k: v for k, v in got.items() if k != "scores"} == {k: v for k, v in want.items() if k != "scores"}
            assert got["scores"] == pytest.approx(want["scores"], abs=1e-9)


def test_blank_jsonl_lines_are_skipped_and_an_empty_table_warns_but_writes_a_header(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": ARTICLE}) + "\n\n   \n" + json.dumps({"text": ARTICLE}) + "\n")
    counts = label_archive(src, tmp_path / "o.jsonl", progress=False)
    assert counts["rows"] == 2 and counts["errors"] == 0
    empty = tmp_path / "empty.csv"
    empty.write_text("text,date\n")
    with pytest.warns(UserWarning, match="holds no inputs"):
        label_archive(empty, tmp_path / "o.csv", progress=False)
    header = (tmp_path / "o.csv").read_text().splitlines()
    assert len(header) == 1 and header[0].startswith("id,date,labels,relevance,language,error,note,model,score_security")


def test_date_column_values_are_normalised():
    assert normalise_date("2019-03-01T10:00:00Z") == "2019-03-01"
    assert normalise_date("12.05.2021") == "2021-05-12"
    assert normalise_date("March 3, 2019") == "2019-03-03"
    assert normalise_date(__import__("datetime").datetime(2020, 1, 2, 3, 4)) == "2020-01-02"
    assert normalise_date("yesterday") is None and normalise_date(None) is None and normalise_date("2019-13-01") is None


def test_text_files_are_decoded_by_utf8_then_by_a_detector():
    assert decode_text("Lukashenko in Minsk".encode("utf-8")) == ("Lukashenko in Minsk", "utf-8")
    russian = "Лукашенко встретился с Путиным в Минске и обсудил цены на газ."
    assert decode_text(russian.encode("cp1251")) == (russian, "cp1251")
    with pytest.raises(ValueError, match="not text"):
        decode_text(b"%PDF-1.4\x00\x01\x02\xff\xfe\x00")


def test_resume_refuses_another_model_and_repeated_ids_warn(tmp_path, custom_data):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": ARTICLE, "key": k}) + "\n" for k in ("a", "b", "a")))
    out = tmp_path / "o.jsonl"
    with pytest.warns(UserWarning, match="1 input.* share an id"):
        counts = label_archive(src, out, id_column="key", progress=False)
    assert counts["duplicates"] == 1
    other = belclf.train(custom_data, min_positives=3, output=tmp_path / "m")
    with pytest.raises(ValueError, match=r"started with model tfidf@\w+, not m@"):
        label_archive(src, out, id_column="key", progress=False, resume=True, model=str(tmp_path / "m"))
    assert other.labels == ["migration", "minsk_beijing"]


def test_report_reads_csv_and_parquet_outputs_alike(folder, tmp_path):
    pages = []
    for suffix in ("jsonl", "csv", "parquet"):
        label_archive(folder, tmp_path / f"o.{suffix}", progress=False)
        page = write_report(tmp_path / f"o.{suffix}", tmp_path / f"{suffix}.html").read_text()
        pages.append(page.replace(f"o.{suffix}", "o"))
    assert pages[0] == pages[1] == pages[2]
    assert "6 documents, 4 labelled, 2 could not be read" in pages[0] and "1 document carries a date" in pages[0]


def test_report_refuses_a_table_that_is_not_a_labelled_archive(tmp_path):
    from belclf.tables import ColumnError

    (tmp_path / "t.csv").write_text("text,labels\nhello,a\n")
    with pytest.raises(ColumnError, match="not an output of 'belclf label'.*columns found: text, labels"):
        write_report(tmp_path / "t.csv", tmp_path / "r.html")


def test_the_year_axis_is_proportional(tmp_path):
    out = tmp_path / "rows.jsonl"
    rows = [{"id": str(i), "date": f"{year}-01-01", "labels": ["minsk_west"], "scores": {"minsk_west": 1.0},
             "error": None} for i, year in enumerate((2000, 2001, 2010))]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    page = write_report(out, tmp_path / "r.html").read_text()
    xs = [float(p.split(",")[0]) for p in page.split('points="')[1].split('"')[0].split()]
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[0]) / 10, rel=1e-6)  # 2001 is a tenth of the way to 2010


def test_a_saved_dataset_is_an_archive_and_its_splits_are_kept(tmp_path):
    import datasets

    part = datasets.Dataset.from_list([{"body": ARTICLE, "day": "2019-03-03"}, {"body": "", "day": None}])
    datasets.DatasetDict({"train": part, "test": part}).save_to_disk(str(tmp_path / "saved"))
    label_archive(tmp_path / "saved", tmp_path / "o.jsonl", text_column="body", date_column="day", progress=False)
    rows = list(read_rows(tmp_path / "o.jsonl"))
    assert [r["id"] for r in rows] == ["row:1", "row:2", "row:3", "row:4"]
    assert [r["error"] for r in rows] == [None, "empty", None, "empty"] and rows[0]["date"] == "2019-03-03"
    from belclf.tables import ColumnError

    with pytest.raises(ColumnError, match=r"no 'text' column \(columns found: body, day, split\)"):
        label_archive(tmp_path / "saved", tmp_path / "p.jsonl", progress=False)
