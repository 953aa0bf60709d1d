"""The belclf command line: help, exit codes, classify/train/evaluate/info."""
from __future__ import annotations

import json
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
    assert json.loads(run("info", "--model", str(out)).stdout)["labels"] == ["migration", "minsk_beijing"]


def test_bad_training_data_exits_1_naming_the_row(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "labels": ["a"]}\n{"text": "", "labels": ["a"]}\n')
    result = run("train", str(bad), "--out", str(tmp_path / "m"))
    assert result.returncode == 1 and "bad.jsonl: row 2: missing or empty text" in result.stderr
