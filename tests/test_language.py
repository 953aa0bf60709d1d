"""The language check: text the model cannot read gets no labels and says why."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import belclf
from belclf.archive import label_archive, read_rows
from belclf.language import detect_language

# Written for these tests: the same news in four languages.
ENGLISH = ("Gazprom raised the price of gas for Belarus after talks in Moscow, and Minsk agreed to pay "
           "its debt for last year's supplies within three months.")
GERMAN = ("Gazprom hat den Gaspreis für Belarus nach Gesprächen in Moskau erhöht, und Minsk hat zugesagt, "
          "seine Schulden für die Lieferungen des vergangenen Jahres binnen drei Monaten zu bezahlen.")
RUSSIAN = ("Газпром повысил цену на газ для Беларуси после переговоров в Москве, а Минск согласился "
           "погасить долг за прошлогодние поставки в течение трёх месяцев.")
FRENCH = ("Gazprom a augmenté le prix du gaz pour le Bélarus après des négociations à Moscou, et Minsk a "
          "accepté de payer sa dette pour les livraisons de l'an dernier dans un délai de trois mois.")
SHORT = "Lukashenko met Putin in Sochi."  # names only: too short to tell


@pytest.fixture(scope="module")
def model():
    return belclf.load()


@pytest.mark.parametrize("text, language", [(GERMAN, "de"), (RUSSIAN, "ru"), (FRENCH, "fr")])
def test_text_in_another_language_gets_no_labels_and_says_why(model, text, language):
    prediction = model.classify(text)
    assert prediction.language == language
    assert prediction.labels == [] and prediction.themes == [] and prediction.directions == []
    assert f"written in {language!r}" in prediction.note and "reads en only" in prediction.note
    assert set(prediction.scores) == set(model.labels)  # still reported
    assert prediction.to_dict()["language"] == language and prediction.to_dict()["note"] == prediction.note


def test_english_keeps_its_labels(model):
    prediction = model.classify(ENGLISH)
    assert prediction.language == "en" and prediction.note is None
    assert {"energy", "minsk_moscow"} <= set(prediction.labels)


def test_predict_agrees_with_classify_many(model):
    texts = [ENGLISH, GERMAN, RUSSIAN, FRENCH, SHORT]
    predicted = model.predict(texts)
    expected = [[int(l in p.labels) for l in model.labels] for p in model.classify_many(texts)]
    assert predicted.tolist() == expected
    assert predicted[0].any() and not predicted[1:4].any()


def test_a_text_too_short_to_tell_is_labelled_as_usual(model):
    prediction = model.classify(SHORT)
    assert prediction.language is None and prediction.note is None
    unchecked = belclf.load()
    unchecked.languages = None
    assert prediction.labels == unchecked.classify(SHORT).labels


def test_a_short_line_in_another_script_is_still_told():
    assert detect_language("Лукашенко встретился с Путиным в Сочи.") == "ru"  # CLD2 alone: unsure
    assert detect_language("Minsk") is None and detect_language("") is None and detect_language("2024 12") is None


def test_mixed_text_goes_by_the_language_of_most_of_it(model):
    mostly_english = model.classify(ENGLISH + " " + ENGLISH.replace("Gazprom", "The supplier") + "\n" + GERMAN[:80])
    assert mostly_english.language == "en" and mostly_english.labels
    mostly_german = model.classify(GERMAN + "\n" + GERMAN.replace("Gazprom", "Der Konzern") + "\n" + ENGLISH[:60])
    assert mostly_german.language == "de" and mostly_german.labels == []


def test_html_is_judged_by_its_main_text(model):
    page = f"<html lang='en'><body><nav>Home News Contact</nav><article><p>{GERMAN}</p></article></body></html>"
    assert model.classify(page).language == "de"


def test_languages_none_labels_every_text_and_still_reports_the_language(model):
    reads_all = belclf.load()
    reads_all.languages = None
    prediction = reads_all.classify(GERMAN)
    assert prediction.language == "de" and prediction.note is None
    assert prediction.labels == [l for l, t in zip(model.labels, model.thresholds)
                                 if prediction.scores[l] >= t and (prediction.relevance or 1) >= model.gate.threshold]


def test_control_characters_and_lone_surrogates_do_not_break_detection():
    assert detect_language(ENGLISH[:60] + "\x00\x01\ud800" + ENGLISH[60:]) == "en"


def test_languages_is_saved_with_the_model(custom_data, tmp_path):
    clf = belclf.train(custom_data, min_positives=3, languages=["en", "de"], output=tmp_path / "m")
    assert belclf.load(tmp_path / "m").languages == ["en", "de"]
    assert clf.get_params()["languages"] == ["en", "de"]
    with pytest.raises(TypeError, match="not the str 'en'"):  # checked by fit (scikit-learn's rule)
        belclf.Classifier(languages="en").fit(["Minsk and Moscow."], [[0, 0, 0, 0, 0, 1]])


def test_training_on_another_language_than_the_model_reads_is_refused():
    texts = [GERMAN, GERMAN.replace("Gazprom", "Der Konzern"), GERMAN.replace("Minsk", "die Regierung"), ENGLISH]
    y = np.array([[1], [1], [0], [0]])
    with pytest.raises(ValueError, match=r"3 of 4 training texts are not in \['en'\] \(most often 'de'\).*languages=\['de'\]"):
        belclf.Classifier(["energy"], actors=False).fit(texts, y)


def test_label_rows_carry_the_language_and_the_note(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "de.txt").write_text(GERMAN, encoding="utf-8")
    (folder / "en.txt").write_text(ENGLISH, encoding="utf-8")
    label_archive(folder, tmp_path / "out.jsonl", progress=False)
    rows = {r["id"]: r for r in read_rows(tmp_path / "out.jsonl")}
    assert rows["de.txt"]["language"] == "de" and rows["de.txt"]["labels"] == [] and "reads en only" in rows["de.txt"]["note"]
    assert rows["en.txt"]["language"] == "en" and rows["en.txt"]["labels"] and rows["en.txt"]["note"] is None
    label_archive(folder, tmp_path / "out.csv", progress=False)
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        table = {r["id"]: r for r in csv.DictReader(handle)}
    assert table["de.txt"]["language"] == "de" and table["en.txt"]["language"] == "en"


def test_classify_command_prints_the_language(tmp_path):
    result = subprocess.run([sys.executable, "-m", "belclf.cli", "classify", "--json"], input=GERMAN,
                            capture_output=True, text=True)
    row = json.loads(result.stdout)
    assert result.returncode == 0 and row["language"] == "de" and row["labels"] == [] and "reads en only" in row["note"]
    result = subprocess.run([sys.executable, "-m", "belclf.cli", "classify"], input=GERMAN, capture_output=True, text=True)
    assert result.returncode == 0 and "note: written in 'de'; this model reads en only" in result.stdout
