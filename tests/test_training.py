"""Training: determinism, custom labels, save/load, the manifest, bad data."""
from __future__ import annotations


import numpy as np
import pytest

import belclf
from belclf.data import DataError, load_labelled
from belclf.model import ModelError

from conftest import CUSTOM, write_jsonl


def test_custom_labels_train_a_model_that_predicts_exactly_them(custom_data, tmp_path):
    clf = belclf.train(custom_data, min_positives=3, output=tmp_path / "m")
    assert clf.labels == ["migration", "minsk_beijing"]
    p = clf.classify("Migrants crossed the border fence at night as guards pushed them back.")
    assert set(p.scores) == {"migration", "minsk_beijing"}
    assert p.themes == [] and p.directions == []  # custom labels live in .labels only
    assert p.scores["migration"] > p.scores["minsk_beijing"]
    loaded = belclf.load(tmp_path / "m")
    assert loaded.labels == clf.labels


@pytest.mark.parametrize("backend", ["tfidf", "tfidf+static"])
def test_training_is_deterministic(custom_data, backend):
    texts = [t for t, _ in CUSTOM]
    a = belclf.train(custom_data, min_positives=3, backend=backend, seed=1).predict_proba(texts)
    b = belclf.train(custom_data, min_positives=3, backend=backend, seed=1).predict_proba(texts)
    assert np.array_equal(a, b)


def test_save_load_round_trip_keeps_predictions(custom_data, tmp_path):
    clf = belclf.train(custom_data, min_positives=3, backend="tfidf+static")
    clf.save(tmp_path / "m")
    texts = [t for t, _ in CUSTOM]
    loaded = belclf.load(tmp_path / "m")
    assert np.array_equal(clf.predict_proba(texts), loaded.predict_proba(texts))
    assert np.array_equal(clf.thresholds, loaded.thresholds)
    assert loaded.card["data"]["sha256"] == clf.card["data"]["sha256"]


def test_a_failed_training_run_leaves_the_previous_model_untouched(custom_data, tmp_path):
    out = tmp_path / "m"
    belclf.train(custom_data, min_positives=3, output=out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "only one label here", "labels": ["x"]}])
    with pytest.raises(DataError):
        belclf.train(bad, output=out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def rows(*items):
    return [{"text": t, "labels": l} for t, l in items]


GOOD = [(f"Text number {i} about gas and oil prices in Minsk.", ["energy"]) for i in range(6)] + \
       [(f"Story {i} about a court jailing an activist.", ["human_rights"]) for i in range(6)]


@pytest.mark.parametrize("bad_row, message", [
    ({"text": "", "labels": ["energy"]}, "row 13: missing or empty text"),
    ({"text": None, "labels": ["energy"]}, "row 13: missing or empty text"),
    ({"text": "fine", "labels": ["astrology"]}, "row 13: unknown label"),
    ({"text": "fine", "labels": [""]}, "row 13: malformed label"),
    ({"text": "fine", "labels": 7}, "row 13: labels must be a list"),
])
def test_bad_rows_are_named_by_file_and_row(tmp_path, bad_row, message):
    path = write_jsonl(tmp_path / "d.jsonl", rows(*GOOD) + [bad_row])
    with pytest.raises(DataError, match=message) as info:
        load_labelled(path, labels=["energy", "human_rights"], min_positives=1)
    assert "d.jsonl" in str(info.value)


def test_a_label_with_too_few_positives_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [dict(r, split="train") for r in rows(*GOOD)])
    with pytest.raises(DataError, match="label 'energy' has 6 positive training rows; at least 10"):
        load_labelled(path, min_positives=10)


def test_duplicate_texts_across_splits_are_an_error(tmp_path):
    data = [dict(r, split="train") for r in rows(*GOOD)]
    data.append({"text": GOOD[0][0].upper(), "labels": ["energy"], "split": "test"})
    with pytest.raises(DataError, match="row 13: the same text as row 1"):
        load_labelled(write_jsonl(tmp_path / "d.jsonl", data), min_positives=1)


def test_the_automatic_split_keeps_copies_of_a_text_together(tmp_path):
    # 40 distinct texts, each repeated 1-3 times with changed spacing and case, no split column
    data = []
    for i in range(40):
        text, labels = (f"Story {i} about gas prices.", ["energy"]) if i % 2 else (f"Court case {i}.", ["human_rights"])
        data += [{"text": text, "labels": labels}] + [{"text": "  " + text.upper(), "labels": labels}] * (i % 3)
    loaded = load_labelled(write_jsonl(tmp_path / "d.jsonl", data), min_positives=1)
    split_of: dict[str, set] = {}
    for text, split in zip(loaded.texts, loaded.splits):
        split_of.setdefault(" ".join(text.lower().split()), set()).add(split)
    assert len(split_of) == 40 and all(len(s) == 1 for s in split_of.values())
    assert {"train", "dev", "test"} == set(loaded.splits)
    clf = belclf.train(tmp_path / "d.jsonl", min_positives=1)  # the report's failure: now trains
    assert clf.card["data"]["counts"]["train"]["_total"] + clf.card["data"]["counts"]["dev"]["_total"] + \
        clf.card["data"]["counts"]["test"]["_total"] == len(data)


def test_copies_of_a_text_with_other_labels_are_an_error_naming_both_rows(tmp_path):
    data = rows(*GOOD) + [{"text": " " + GOOD[2][0], "labels": ["human_rights"]}]
    with pytest.raises(DataError, match=r"row 13: the same text as row 3 with other labels"):
        load_labelled(write_jsonl(tmp_path / "d.jsonl", data), min_positives=1)


def test_csv_parquet_and_saved_datasets_load_the_same(tmp_path):
    import datasets

    data = rows(*GOOD)
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("text,labels\n" + "".join(f'"{r["text"]}",{";".join(r["labels"])}\n' for r in data))
    dataset = datasets.Dataset.from_list(data)
    dataset.to_parquet(str(tmp_path / "d.parquet"))
    dataset.save_to_disk(str(tmp_path / "saved"))
    loaded = [load_labelled(s, min_positives=1) for s in (csv_path, tmp_path / "d.parquet", tmp_path / "saved", dataset)]
    for other in loaded[1:]:
        assert other.texts == loaded[0].texts and np.array_equal(other.y, loaded[0].y)
        assert other.splits == loaded[0].splits  # the seeded split does not depend on the format


def test_unsupported_or_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_labelled(tmp_path / "nope.jsonl")
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(DataError, match="unsupported format"):
        load_labelled(tmp_path / "d.xlsx")


def test_evaluating_data_with_repeated_texts_scores_every_row(tmp_path):
    model = belclf.load()
    text = "Gazprom cut gas supplies to Belarus over unpaid debts."
    path = write_jsonl(tmp_path / "eval.jsonl", [{"text": text, "labels": ["energy", "minsk_moscow"]}] * 4)
    report = belclf.evaluate_model(model, path)
    assert report["n"] == 4 and report["labels"]["energy"]["support"] == 4
