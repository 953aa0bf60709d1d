"""Features computed with numpy equal their reference definitions."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from belclf.features import TfidfFeatures, Words, _analyze, _IntMap, lower, tokenize, word_hashes
from belclf.models import bundled_embedding

CORPUS = Path(__file__).resolve().parent.parent / "training/data/corpus.jsonl"
TEXTS = [
    "Minsk and Moscow signed a gas deal; Gazprom cut the price of gas.",
    "The EU imposed sanctions on Belarusian potash, and potash prices rose in Brazil.",
    "",
    "gas gas gas gas",
    "Lukashenko met Putin in Sochi about gas, oil and the Union State budget.",
    "Zzzqx unseenword anotherunseenword",
    "Ministers met in Vilnius; Lithuania said the Astravets plant was unsafe.",
]


def test_tfidf_equals_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    features = TfidfFeatures.fit(TEXTS, min_df=1, max_features=None)
    reference = TfidfVectorizer(analyzer=_analyze, sublinear_tf=True).fit(TEXTS)
    ours = features.transform(TEXTS + ["gas price in Sochi", "nothing known"])
    theirs = reference.transform(TEXTS + ["gas price in Sochi", "nothing known"])
    assert np.abs(ours.toarray() - theirs.toarray()).max() < 1e-6


ODD = [
    "Ἀθῆναι ΣΊΣΥΦΟΣ ΟΔΟΣ İstanbul İlham straße naïve e\u0301t\u00e9 𝔘𝔫𝔦 𝟙𝟚 a_b __ x1 ½½ ٣٤ 中文字 Łódź ǅemal ﬁne",
    "", "a", "Minsk\u2028Moscow\u00a0gas", "emoji 🧵 between 💬words", "\ud800 a lone surrogate", "ΚΑΛΗΣΠΕΡΑ Σ ΑΣ",
]


@pytest.mark.parametrize("texts", [TEXTS, ODD, ODD[:1] + TEXTS, TEXTS + ODD[1:]])
def test_word_hashes_find_the_words_of_tokenize(texts):
    words = Words(texts)
    long_enough = words.end - words.begin >= 2
    hashes, text_of = words.hashes[long_enough], words.text_of[long_enough]
    reference = [(word, i) for i, text in enumerate(texts) for word in tokenize(text)]
    assert len(hashes) == len(reference)
    assert text_of.tolist() == [i for _, i in reference]
    # each word hashed alone gives the hash found in context, and distinct words differ
    assert word_hashes([w for w, _ in reference]).tolist() == hashes.tolist()
    assert len(set(hashes.tolist())) == len({w for w, _ in reference})


def test_lower_keeps_every_character_in_its_place():
    for text in ODD + TEXTS:
        low = lower(text)
        assert len(low) == len(text)
        assert all(a == b.lower()[0] for a, b in zip(low, text))
    assert lower("İlham ΟΔΟΣ") == "ilham οδοσ"


@pytest.mark.parametrize("texts", [TEXTS, ODD])
def test_a_span_hashes_the_same_wherever_it_stands(texts):
    words = Words(texts)
    rng = np.random.default_rng(0)
    spans, alone = [], []
    for _ in range(300):
        i = int(rng.integers(len(texts)))
        a, b = sorted(rng.integers(0, len(texts[i]) + 1, size=2).tolist())
        spans.append((words.starts[i] + a, words.starts[i] + b))
        alone.append(lower(texts[i])[a:b])
    begin, end = np.array(spans).T
    found = Words(alone)
    assert words.span_hashes(begin, end).tolist() == found.span_hashes(found.starts, found.stops).tolist()


def test_tfidf_equals_scikit_learn_on_the_corpus():
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    train, other = docs[::2], docs[1::2] + ODD
    features = TfidfFeatures.fit(train, min_df=2)
    reference = TfidfVectorizer(analyzer=_analyze, sublinear_tf=True, min_df=2, max_features=50_000).fit(train)
    assert features.vocabulary == reference.vocabulary_
    difference = features.transform(other) - reference.transform(other)
    assert abs(difference).max() < 1e-6
    assert features.transform(other).nnz == reference.transform(other).nnz


def test_sparse_rows_product_equals_scipy():
    features = TfidfFeatures.fit(TEXTS, min_df=1, max_features=None)
    rows = features.rows(TEXTS + ["", "gas"])
    dense = np.random.default_rng(0).normal(size=(features.dim, 3)).astype(np.float32)
    assert np.abs((rows @ dense) - rows.to_scipy() @ dense).max() < 1e-5
    assert (rows @ dense)[len(TEXTS)].tolist() == [0.0, 0.0, 0.0]  # an empty text


def test_thresholds_lie_between_scores():
    from belclf.model import best_threshold

    scores = np.array([0.1, 0.3, 0.62, 0.7, 0.9])
    truth = np.array([False, False, True, True, True])
    threshold = best_threshold(scores, truth)
    assert abs(threshold - 0.4) < 1e-12  # 0.5 ties with 0.62 and is nearer 0.5; then halfway down to 0.3
    # the edge text keeps its label when its score moves in the last digits
    assert ((scores * (1 - 1e-9)) >= threshold).tolist() == truth.tolist()


def test_int_map_finds_keys_through_collisions():
    rng = np.random.default_rng(0)
    keys = rng.choice(1 << 40, size=5000, replace=False)
    table = _IntMap(keys, np.arange(5000))
    assert len(table._probe) >= 2  # some keys sit two or more slots past their own
    assert table.get(keys).tolist() == list(range(5000))
    absent = np.setdiff1d(rng.choice(1 << 40, size=5000), keys)
    assert (table.get(absent) == -1).all()
    # 0 marks empty slots unless it is a key: then another number does, and 0 is found
    with_zero = _IntMap(np.array([0, 1, 5]), np.array([7, 8, 9]))
    assert with_zero.get(np.arange(7)).tolist() == [7, 8, -1, -1, -1, 9, -1]
    assert table.get(np.zeros(0, np.int64)).shape == (0,)
    with pytest.raises(ValueError):
        _IntMap(np.array([3, 3]), np.array([0, 1]))


def test_static_embedding_is_the_normalised_sum_of_subword_vectors():
    embedding = bundled_embedding()
    words = [tokenize(t) for t in TEXTS]
    ours = embedding.transform(words)
    for row, text_words in zip(ours, words):
        ids = [i for w in text_words for i in embedding.tokenizer.encode(w, add_special_tokens=False).ids]
        total = embedding.vectors[ids].sum(axis=0) if ids else np.zeros(embedding.dim)
        expected = total / max(np.linalg.norm(total), 1e-12)
        assert np.allclose(row, expected, atol=1e-6)


def test_static_embedding_does_not_depend_on_what_it_saw_before():
    from belclf.features import StaticEmbedding

    fresh = bundled_embedding()
    other = StaticEmbedding(fresh.tokenizer_json, fresh.quantised, fresh.scales)
    other.transform([tokenize("completely different words warm this cache first: tractors, hockey, opera")])
    words = [tokenize(t) for t in TEXTS]
    assert np.array_equal(other.transform(words), StaticEmbedding(
        fresh.tokenizer_json, fresh.quantised, fresh.scales).transform(words))
