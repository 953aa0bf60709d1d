"""The public API contract of belclf."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import belclf

ARTICLE = """Minsk and Moscow agree gas price for next year

Belarus will pay Gazprom less for natural gas next year under a deal signed in the Kremlin,
the energy ministry said. The price cut was part of a wider package of Union State
integration roadmaps, including a new Russian state loan to refinance Belarusian debt."""


def test_classify_returns_scores_for_every_label_and_labels_above_threshold():
    model = belclf.load()
    p = belclf.classify(ARTICLE)
    assert set(p.scores) == set(model.labels) == set(belclf.LABELS)
    assert all(0.0 <= s <= 1.0 for s in p.scores.values())
    expected = [l for l, t in zip(model.labels, model.thresholds) if p.scores[l] >= t]
    assert p.labels == expected
    assert p.themes == [l for l in p.labels if l in belclf.THEMES]
    assert p.directions == [l for l in p.labels if l in belclf.DIRECTIONS]


def test_default_model_reads_an_obvious_article():
    p = belclf.classify(ARTICLE)
    assert "energy" in p.labels and "minsk_moscow" in p.labels
    assert "minsk_west" not in p.labels and "human_rights" not in p.labels


def test_to_dict_is_json_ready():
    d = belclf.classify(ARTICLE, explain=True).to_dict()
    again = json.loads(json.dumps(d))
    assert again["labels"] == d["labels"] and set(again["scores"]) == set(belclf.LABELS)
    assert set(again["evidence"]) == set(d["labels"])


def test_classify_many_gives_the_same_results_as_classify():
    texts = [ARTICLE, "Belarus beat Latvia 3-1 in a friendly football match.", "", "Potash exports fell."] * 3
    many = belclf.classify_many(texts, batch_size=5)
    single = [belclf.classify(t) for t in texts]
    assert [p.labels for p in many] == [p.labels for p in single]
    # Batches sum floats in another order, so scores agree to rounding, not bit for bit.
    for a, b in zip(many, single):
        assert np.allclose(list(a.scores.values()), list(b.scores.values()), rtol=0, atol=1e-6)


def test_classify_rejects_non_text():
    with pytest.raises(TypeError):
        belclf.classify(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        belclf.classify_many("a single string")
    with pytest.raises(TypeError):
        belclf.classify_many(["ok", 3])  # type: ignore[list-item]


def test_default_model_is_loaded_once_across_threads(monkeypatch):
    calls = []
    real_load = belclf.load
    monkeypatch.setattr(belclf, "_default", None)
    monkeypatch.setattr(belclf, "load", lambda *a: calls.append(1) or real_load(*a))
    threads = [threading.Thread(target=belclf.classify, args=(ARTICLE,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1


def test_evidence_sentences_come_from_the_article_and_support_the_label():
    p = belclf.load().classify(ARTICLE, explain=True)
    for items in p.evidence.values():
        assert 1 <= len(items) <= 3
        assert all(" ".join(item.sentence.split()) in " ".join(ARTICLE.split()) for item in items)
        assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)


def test_bundled_tiers_load_and_carry_a_card():
    for tier in ("default", "tfidf"):
        model = belclf.load(tier)
        card = model.card
        assert card["labels"] == list(belclf.LABELS)
        assert {"dev", "test"} <= set(card["metrics"])
        assert len(card["data"]["sha256"]) == 64 and card["versions"]["numpy"]
        assert model.predict_proba([ARTICLE]).shape == (1, 6)


def test_predict_and_predict_proba_agree():
    model = belclf.load()
    texts = [ARTICLE, "Lithuania protested against the Astravets nuclear plant.", OFF_TOPIC]
    passed = model.predict_relevance(texts) >= model.gate.threshold
    assert passed.tolist() == [True, True, False]
    expected = (model.predict_proba(texts) >= model.thresholds) & passed[:, None]
    assert np.array_equal(model.predict(texts), expected.astype(int))


# written for this test: energy, sanctions and troops, but nothing about Belarus
OFF_TOPIC = """Norway's grid operator said on Tuesday that it would cap electricity exports to Germany
during the winter after reservoir levels fell to a ten-year low. The oil ministry in Oslo also
announced new licences in the Barents Sea, and the government confirmed that US troops would
join a cold-weather exercise in Finnmark in March."""


def test_a_text_not_about_belarus_gets_relevance_but_no_labels():
    p = belclf.classify(OFF_TOPIC)
    assert p.labels == [] and p.relevance is not None and p.relevance < belclf.load().gate.threshold
    assert set(p.scores) == set(belclf.LABELS)  # scores are still reported
    about = belclf.classify(ARTICLE)
    assert about.relevance > belclf.load().gate.threshold and about.labels
    assert belclf.classify(OFF_TOPIC).to_dict()["relevance"] == round(p.relevance, 4)


def test_an_unknown_or_removed_tier_names_the_tiers():
    with pytest.raises(belclf.ModelError, match=r"did you mean 'accurate'\?.*the tiers are default, tfidf, accurate"):
        belclf.load("acurate")
    with pytest.raises(belclf.ModelError, match="'fast' tier was removed"):
        belclf.load("fast")


def test_chunks_keep_order_and_bound_their_characters():
    from belclf.model import _chunks

    texts = ["a" * n for n in (10, 50, 200, 5, 5, 1000, 0, 30, 64)]
    chunks = _chunks(texts, 100)
    assert [t for chunk in chunks for t in chunk] == texts
    assert all(len("\n".join(chunk)) <= 100 or len(chunk) == 1 for chunk in chunks)
    assert [len(chunk) for chunk in chunks] == [2, 1, 2, 1, 3]
    assert _chunks([], 100) == []


def test_threads_follow_belclf_threads_and_do_not_change_results(monkeypatch):
    from belclf.model import n_threads

    # 1.3 MB of text: several chunks (model._CHUNK_CHARACTERS)
    texts = [f"Minsk and Moscow signed gas deal number {i}; Lukashenko met Putin. " * 60 for i in range(300)]
    texts += ["The EU imposed sanctions on Belarusian potash.", ""] * 20
    model = belclf.load("tfidf")
    monkeypatch.setenv("BELCLF_THREADS", "1")
    assert n_threads() == 1
    one = model.predict_proba(texts)
    monkeypatch.setenv("BELCLF_THREADS", "3")
    assert n_threads() == 3
    assert np.array_equal(model.predict_proba(texts), one)
    few = [298, 299, 300, 301, 0, 1]  # rows do not depend on the texts read with them
    assert np.array_equal(model.predict_proba([texts[i] for i in few]), one[few])
    monkeypatch.setenv("BELCLF_THREADS", "two")
    with pytest.raises(ValueError, match="BELCLF_THREADS"):
        n_threads()
