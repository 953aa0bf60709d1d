"""The belclf command line: help, exit codes, classify/train/evaluate/info."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from belclf.cli import main

COMMANDS = ["classify", "train", "evaluate", "info", "label", "report"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "belclf.cli", *args], input=stdin, capture_output=True, text=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: belclf " + command in capsys.readouterr().out


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("classify", "--no-such-flag").returncode == 2


def test_classify_reads_stdin_and_files_and_prints_json(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Gazprom raised the gas price for Belarus after talks in Moscow.")
    result = run("classify", "--json", str(article), stdin="")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["input"] == str(article) and "energy" in row["labels"]
    result = run("classify", "--json", stdin="Lithuania and Poland discussed NATO troops on the Belarusian border.")
    assert json.loads(result.stdout)["input"] == "-"


def test_a_missing_file_or_model_exits_1_with_one_clear_line(tmp_path):
    result = run("classify", str(tmp_path / "missing.txt"))
    assert result.returncode == 1 and "No such file" in result.stderr and "Traceback" not in result.stderr
    result = run("info", "--model", str(tmp_path))
    assert result.returncode == 1 and "manifest.json is missing" in result.stderr


def test_train_then_evaluate_and_info(custom_data, tmp_path):
    out = tmp_path / "model"
    result = run("train", str(custom_data), "--out", str(out), "--min-positives", "3")
    assert result.returncode == 0, result.stderr
    assert "macro F1" in result.stdout
    result = run("evaluate", str(custom_data), "--model", str(out), "--json")
    report = json.loads(result.stdout)
    assert set(report["labels"]) == {"migration", "minsk_beijing"} and 0 <= report["macro_f1"] <= 1
    assert json.loads(run("info", "--model", str(out), "--json").stdout)["labels"] == ["migration", "minsk_beijing"]


def test_bad_training_data_exits_1_naming_the_row(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "labels": ["a"]}\n{"text": "", "labels": ["a"]}\n')
    result = run("train", str(bad), "--out", str(tmp_path / "m"))
    assert result.returncode == 1 and "bad.jsonl: row 2: missing or empty text" in result.stderr


ARTICLE = "Gazprom raised the gas price for Belarus after talks in Moscow with Lukashenko."


def test_classify_reports_each_failed_file_by_name_and_goes_on(tmp_path):
    good, latin = tmp_path / "a.txt", tmp_path / "latin.txt"
    good.write_text(ARTICLE)
    latin.write_bytes(("Café owners in Minsk said: " + ARTICLE).encode("cp1252"))
    result = run("classify", str(good), str(tmp_path / "missing.txt"), str(latin), str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [str(good), str(latin)]
    assert f"{tmp_path / 'missing.txt'}: No such file" in result.stderr
    assert f"{latin} is not UTF-8; read it as cp125" in result.stderr
    assert f"belclf label {tmp_path} --out" in result.stderr
    rows = [json.loads(l) for l in run("classify", "--json", str(tmp_path / "missing.txt"), str(good)).stdout.splitlines()]
    assert "No such file" in rows[0]["error"] and "energy" in rows[1]["labels"]


def test_a_wrong_column_is_a_usage_error_listing_the_columns(tmp_path, custom_data):
    export = tmp_path / "export.csv"
    export.write_text(f"body,published\n{ARTICLE},2019-03-01\n")
    result = run("label", str(export), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 2 and "no 'text' column (columns found: body, published)" in result.stderr
    assert "--text-column" in result.stderr and not (tmp_path / "o.csv").exists()
    result = run("label", str(export), "--out", str(tmp_path / "o.csv"), "--text-column", "body",
                 "--date-column", "date")
    assert result.returncode == 2 and "--date-column" in result.stderr
    (tmp_path / "one.txt").write_text(ARTICLE)
    result = run("label", str(tmp_path / "one.txt"), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 1 and f"classify it with: belclf classify {tmp_path / 'one.txt'}" in result.stderr
    result = run("train", str(custom_data), "--out", str(tmp_path / "m"), "--label-column", "tags")
    assert result.returncode == 2 and "columns found: text, labels, split" in result.stderr and "--label-column" in result.stderr


def test_label_then_report_on_csv_and_parquet_with_a_date_column(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({"body": ARTICLE, "published": f"{year}-06-01T12:00:00Z"}) + "\n\n"
                              for year in (2015, 2019, 2021)))
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"labels.{suffix}"
        result = run("label", str(export), "--out", str(out), "--text-column", "body", "--date-column", "published")
        assert result.returncode == 0, result.stderr
        result = run("report", str(out), "--html", str(tmp_path / "r.html"))
        assert result.returncode == 0, result.stderr
        page = (tmp_path / "r.html").read_text()
        assert "3 documents, 3 labelled" in page and "3 documents carry a date" in page and "<polyline" in page


def test_parquet_output_without_pyarrow_fails_before_any_work(tmp_path):
    blocker = tmp_path / "blocker"
    (blocker / "pyarrow").mkdir(parents=True)
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('No module named pyarrow')\n")
    (tmp_path / "in.jsonl").write_text(json.dumps({"text": ARTICLE}) + "\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker)] + sys.path))
    command = [sys.executable, "-m", "belclf.cli", "label", str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "x.parquet")]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "pip install 'belclf[train]'" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "in.jsonl"]  # no output, no journal


def test_resume_with_another_model_is_refused(tmp_path, custom_data):
    (tmp_path / "in.jsonl").write_text(json.dumps({"text": ARTICLE}) + "\n")
    out = str(tmp_path / "o.jsonl")
    assert run("label", str(tmp_path / "in.jsonl"), "--out", out, "--quiet").returncode == 0
    assert json.loads(open(out).readline())["model"].startswith("tfidf@")
    assert run("train", str(custom_data), "--out", str(tmp_path / "m"), "--min-positives", "3").returncode == 0
    result = run("label", str(tmp_path / "in.jsonl"), "--out", out, "--resume", "--model", str(tmp_path / "m"))
    assert result.returncode == 1 and "was started with model tfidf@" in result.stderr


def test_info_is_a_short_summary_and_a_closed_pipe_ends_quietly():
    result = run("info")
    assert result.returncode == 0 and len(result.stdout.splitlines()) < 12
    assert "labels      security, human_rights" in result.stdout and "thresholds  security 0." in result.stdout
    assert json.loads(run("info", "--json").stdout)["labels"][0] == "security"
    process = subprocess.Popen([sys.executable, "-m", "belclf.cli", "info", "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    assert process.wait() in (0, 1) and process.stderr.read() == ""


def test_library_progress_bars_are_silent_unless_verbose():
    # the accurate tier loads ONNX Runtime (and once transformers printed "Loading weights" bars)
    quiet = run("classify", "--model", "accurate", stdin=ARTICLE)
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = run("classify", "--model", "accurate", "--verbose", stdin=ARTICLE)
    assert verbose.returncode == 0 and verbose.stdout == quiet.stdout


def test_an_unknown_model_name_lists_the_tiers():
    result = run("info", "--model", "acurate")
    assert result.returncode == 1 and "did you mean 'accurate'?" in result.stderr and "default, tfidf, accurate" in result.stderr
