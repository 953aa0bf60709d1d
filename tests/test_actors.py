"""The actor dictionary: aliases found with their spans, features, explanations, extensions."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import belclf
from belclf.actors import ActorDictionary, ActorFeatures, bundled, direction_bloc, find

from conftest import CUSTOM, ROOT


@pytest.mark.parametrize("alias, bloc", [
    ("Lukashenka", "belarus"), ("Lukashenko", "belarus"), ("Tsikhanouskaya", "belarus"), ("Tikhanovskaya", "belarus"),
    ("Hrodna", "belarus"), ("Grodno", "belarus"), ("German chancellor", "west"), ("the Kremlin", "russia"),
    ("Gazprom", "russia"), ("NATO", "west"), ("Brussels", "west"), ("Zelensky", "other"), ("Beijing", "other"),
])
def test_aliases_and_transliterations_are_found_with_their_spans(alias, bloc):
    text = f"Reports on Tuesday said that {alias} had answered within hours."
    mentions = find(text)
    assert [m.bloc for m in mentions] == [bloc], mentions
    assert text[mentions[0].start:mentions[0].end].lower() == alias.lower()


def test_words_inside_other_words_and_lower_case_acronyms_are_not_actors():
    assert find("Europeans use the museum; let us eu-phemise nothing.") == []
    assert [m.bloc for m in find("The EU and the US met.")] == ["west", "west"]


def test_the_longest_alias_wins():
    mentions = find("The German chancellor spoke.")  # not the adjective "German" alone
    assert [(m.bloc, m.start, m.end) for m in mentions] == [("west", 4, 21)]


def test_features_count_blocs_and_who_appears_with_belarus():
    features = ActorFeatures(bundled())
    blocs = bundled().blocs
    row = features.transform(["Lukashenko met the German chancellor. Moscow said nothing."])[0]
    assert row[blocs.index("west")] > 0 and row[blocs.index("russia")] > 0
    others = features.others
    west, russia = len(blocs) + 2 * others.index("west"), len(blocs) + 2 * others.index("russia")
    assert row[west] > 0 and row[russia] == 0  # only the West shares a sentence with Belarus
    assert np.array_equal(features.transform(["A text about nothing in particular."])[0], np.zeros(features.dim))


def test_direction_blocs():
    dictionary = ActorDictionary([{"id": b, "bloc": b} for b in ("belarus", "west", "russia", "china")],
                                 directions={"minsk_beijing": "china"})
    assert direction_bloc("minsk_west", dictionary) == "west"
    assert direction_bloc("minsk_moscow", dictionary) == "russia"
    assert direction_bloc("minsk_beijing", dictionary) == "china"
    assert direction_bloc("minsk_china", dictionary) == "china"
    assert direction_bloc("energy", dictionary) is None


@pytest.mark.parametrize("name, direction, other", [
    ("Marco Rubio", "minsk_west", "minsk_moscow"), ("Sergei Naryshkin", "minsk_moscow", "minsk_west")])
def test_a_name_the_corpus_never_saw_still_yields_its_direction(name, direction, other):
    assert name.lower() not in (ROOT / "training/data/corpus.jsonl").read_text(encoding="utf-8").lower()
    text = f"{name} telephoned Lukashenko on Tuesday."  # written for this test: the name alone carries it
    p = belclf.classify(text, explain=True)
    assert direction in p.labels and other not in p.labels
    assert p.actors[direction] == [name]


def test_a_ukraine_only_text_gets_no_direction():
    text = ("Ukrainian border guards in the Volyn region reported two drones crossing from Belarus overnight; "
            "Kyiv's State Border Guard Service said both were shot down and the crossing point stayed open.")
    p = belclf.classify(text)
    assert not p.directions


def test_a_dictionary_of_ones_own_is_merged_and_saved_with_the_model(tmp_path):
    extra = tmp_path / "china.json"
    extra.write_text(json.dumps({"directions": {"minsk_beijing": "china"}, "actors": [
        {"id": "CN", "bloc": "china", "name": "China", "aliases": ["China", "Chinese", "Beijing", "Xi Jinping"]},
        {"id": "CN.exim", "bloc": "china", "name": "China Exim Bank", "aliases": ["Exim Bank"]}]}))
    merged = ActorDictionary.load(extra)
    assert "china" in merged.blocs and [m.bloc for m in merged.find("Xi Jinping received Lukashenko.")] == [
        "china", "belarus"]
    rows = [{"text": t, "labels": l, "split": "dev" if i in (5, 11) else "train"} for i, (t, l) in enumerate(CUSTOM)]
    data = tmp_path / "custom.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    clf = belclf.train(data, min_positives=3, actors=str(extra), output=tmp_path / "m")
    loaded = belclf.load(tmp_path / "m")
    extra.unlink()  # the model carries the merged dictionary: it loads without the file
    loaded = belclf.load(tmp_path / "m")
    assert loaded.get_params()["actors"] == str(extra)
    assert np.allclose(clf.predict_proba([CUSTOM[9][0]]), loaded.predict_proba([CUSTOM[9][0]]), atol=1e-12)
    text = "China's Exim Bank will lend Minsk money for a new road."
    assert loaded._actors(text, ["minsk_beijing", "migration"]) == {"minsk_beijing": ["China", "China Exim Bank"]}


def test_bad_dictionaries_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"actors": [{"id": "X", "bloc": "west", "aliases": "not a list"}]}))
    with pytest.raises(ValueError, match="'aliases' must be a list"):
        ActorDictionary.load(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="an 'actors' list of objects"):
        ActorDictionary.load(bad)


def test_the_actors_command_lists_mentions():
    result = subprocess.run([sys.executable, "-m", "belclf.cli", "actors", "--json"], capture_output=True, text=True,
                            input="The Kremlin and Minsk signed it.", cwd=ROOT)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and [r["bloc"] for r in rows] == ["russia", "belarus"]
    assert rows[0]["text"] == "The Kremlin" and rows[0]["actor"] == "RU.kremlin"


def test_an_ambiguous_alias_counts_only_beside_an_unambiguous_one():
    assert find("The ferry from Brest to Plymouth was cancelled by the storm.") == []
    assert [m.name for m in find("Minsk sent the brigade to Brest.")] == ["Minsk", "Brest"]
