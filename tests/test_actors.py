"""The actor dictionary: aliases found with their spans, features, explanations, extensions."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import belclf
from belclf.actors import ActorDictionary, ActorFeatures, bundled, direction_bloc, find
from belclf.features import lower

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


# ----------------------------------------------------------------- the reference definition
# The features in plain Python, one text, alias and mention at a time; the vectorised
# ActorFeatures.transform must give the same numbers.
def _reference_scan(dictionary, text):
    """Every place where a lower-cased alias occurs in the lower-cased text between word
    boundaries (no \\w character just before or after it) (in its exact case if the actor asks for it); of overlapping ones, the first to
    start, and of those starting together the longest; an ambiguous alias only beside an
    unambiguous one of its bloc."""
    keys = {}
    for index, actor in enumerate(dictionary.actors):
        ambiguous = {" ".join(a.split()).lower() for a in actor.get("ambiguous_aliases") or []}
        for alias in actor.get("aliases", []) + ([actor["name"]] if actor.get("name") else []):
            alias = " ".join(alias.split())
            keys[lower(alias)] = (index, dictionary.blocs.index(actor["bloc"]),
                                  alias if actor.get("case_sensitive") else None, alias.lower() in ambiguous)
    low = lower(text)
    found = []
    for key, (index, bloc, exact, ambiguous) in keys.items():
        start = low.find(key)
        while start >= 0:
            end = start + len(key)
            if not re.match(r"\w", low[start - 1 : start]) and not re.match(r"\w", low[end : end + 1]) \
                    and (exact is None or text[start:end] == exact):
                found.append((start, -end, index, bloc, ambiguous))
            start = low.find(key, start + 1)
    hits, reach = [], -1
    for start, end, index, bloc, ambiguous in sorted(found):
        if start >= reach:
            hits.append((start, -end, index, bloc, ambiguous))
            reach = -end
    sure = {hit[3] for hit in hits if not hit[4]}
    return [hit[:4] for hit in hits if not hit[4] or hit[3] in sure]


def _reference_row(features, text):
    import math
    import re

    hits = _reference_scan(features.dictionary, text)
    blocs = features.dictionary.blocs
    n_blocs, anchor = len(blocs), blocs.index("belarus")
    out = np.zeros(features.dim, dtype=np.float32)
    counts = [0] * n_blocs
    for hit in hits:
        counts[hit[3]] += 1
    out[:n_blocs] = np.log1p(counts)
    if not counts[anchor]:
        return out
    sentences, previous = [set()], hits[0][1]
    for start, end, _, bloc in hits:
        if start > previous and re.compile(r"[.!?] |\n").search(text, previous, start):
            sentences.append(set())
        sentences[-1].add(bloc)
        previous = end
    n_sentences = 1 + sum(text.count(mark) for mark in (". ", "? ", "! ", "\n"))
    with_anchor = [b for b in sentences if anchor in b]
    for k, bloc in enumerate(b for b in range(n_blocs) if b != anchor):
        together = sum(bloc in b for b in with_anchor)
        out[n_blocs + 2 * k] = math.log1p(together)
        out[n_blocs + 2 * k + 1] = together / n_sentences
    out[-2] = len(with_anchor) / n_sentences
    out[-1] = float(any(hit[3] == anchor and hit[0] < 400 for hit in hits))
    return out


ODD_TEXTS = [
    "", "Minsk", "İlham Aliyev met Lukashenko. The U.S. envoy, Mr. Smith, flew to Minsk!Then Moscow",
    "Lukashenko\u2028met Putin.\u00a0NATO objected?\tYes. The KGB in Brest; Minsk and the US.",
    "Brest alone. us eu US EU 🧵 Lukashenka and Merkel\n\nin Berlin. ΣΟΦΙΑ and Minsk",
    "a.b Lukashenko.Putin Lukashenko. Putin Lukashenko .\nPutin",
    "Bryansk regions and Belarus's presidential race; u/minsk_dev and s__minsk_ said U.S.A and U.S.S.R. "
    "and the west, the West, NATO's; Belarus's president met Russia's president in the U.S.",
]


def test_features_equal_the_reference_definition():
    import json
    from pathlib import Path

    corpus = Path(__file__).resolve().parent.parent / "training/data/corpus.jsonl"
    docs = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()][::7]
    features = ActorFeatures(bundled())
    for texts in (docs + ODD_TEXTS, ODD_TEXTS, ODD_TEXTS[:1], []):
        expected = np.array([_reference_row(features, t) for t in texts]).reshape(len(texts), features.dim)
        assert np.array_equal(features.transform(texts), expected)
    for text in ODD_TEXTS:
        assert features.dictionary.scan(text) == _reference_scan(features.dictionary, text)
