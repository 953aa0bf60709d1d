"""Features computed with numpy equal their reference definitions."""
from __future__ import annotations

import numpy as np

from belclf.features import TfidfFeatures, _analyze, tokenize
from belclf.models import bundled_embedding

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
    ours = features.transform([tokenize(t) for t in TEXTS + ["gas price in Sochi", "nothing known"]])
    theirs = reference.transform(TEXTS + ["gas price in Sochi", "nothing known"])
    assert np.abs(ours.toarray() - theirs.toarray()).max() < 1e-6


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
