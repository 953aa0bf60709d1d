"""The training corpus stays sound: schema, ids, labels, splits, minimums, no near-duplicates."""
from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest

from belclf.prediction import DIRECTIONS, LABELS, THEMES


@pytest.fixture(scope="module")
def corpus(corpus_path):
    return [json.loads(line) for line in corpus_path.read_text(encoding="utf-8").splitlines()]


FIELDS = {"id", "title", "text", "labels", "about_belarus", "split", "round", "writer", "genre"}


def test_schema_ids_and_labels(corpus):
    for doc in corpus:
        assert set(doc) == FIELDS, doc.get("id")
        assert isinstance(doc["text"], str) and doc["text"].strip() and isinstance(doc["title"], str), doc["id"]
        assert doc["split"] in ("train", "dev", "test") and doc["round"] in (1, 2, 3), doc["id"]
        assert set(doc["labels"]) <= set(LABELS) and len(set(doc["labels"])) == len(doc["labels"]), doc["id"]
        assert doc["id"].startswith(doc["writer"] + "-") and doc["genre"], doc["id"]
        assert doc["about_belarus"] is True or doc["labels"] == [], f"{doc['id']}: not about Belarus, yet labelled"
    ids = Counter(doc["id"] for doc in corpus)
    assert [i for i, n in ids.items() if n > 1] == []


def test_genres_and_texts_not_about_belarus(corpus):
    genres = Counter(doc["genre"] for doc in corpus)
    assert len(genres) >= 15 and min(genres.values()) >= 100, genres  # enough to hold one out
    off_topic = Counter(doc["split"] for doc in corpus if not doc["about_belarus"])
    assert sum(off_topic.values()) >= 300 and min(off_topic[s] for s in ("train", "dev", "test")) >= 40, off_topic


def test_size_and_split_proportions(corpus):
    assert len(corpus) >= 1200
    shares = Counter(doc["split"] for doc in corpus)
    assert abs(shares["train"] / len(corpus) - 0.70) < 0.03
    assert abs(shares["dev"] / len(corpus) - 0.15) < 0.03 and abs(shares["test"] / len(corpus) - 0.15) < 0.03


def test_label_minimums_and_co_occurrence(corpus):
    counts = Counter(label for doc in corpus for label in doc["labels"])
    assert {l: counts[l] for l in LABELS if counts[l] < 250} == {}
    pairs = Counter(p for doc in corpus for p in itertools.combinations(sorted(doc["labels"]), 2))
    assert {p: pairs[p] for p in itertools.combinations(sorted(LABELS), 2) if pairs[p] < 20} == {}
    assert sum(not set(doc["labels"]) & set(THEMES) for doc in corpus) >= 150
    assert sum(not set(doc["labels"]) & set(DIRECTIONS) for doc in corpus) >= 150


def test_every_label_is_in_every_split(corpus):
    for split in ("train", "dev", "test"):
        counts = Counter(l for doc in corpus if doc["split"] == split for l in doc["labels"])
        total = Counter(l for doc in corpus for l in doc["labels"])
        for label in LABELS:  # stratified: each split holds its share of each label, within 5 points
            share = counts[label] / total[label]
            expected = {"train": 0.70, "dev": 0.15, "test": 0.15}[split]
            assert abs(share - expected) < 0.05, (split, label, share)


def test_length_mix(corpus):
    words = np.array([len(doc["text"].split()) for doc in corpus])
    short, long_ = np.mean(words < 120), np.mean(words >= 600)
    # round 3 follows real pages: many 300-900 characters, some whole 4-8 KB articles
    assert 0.22 <= short <= 0.40 and 0.12 <= long_ <= 0.28, (short, long_)


def test_no_near_duplicates(corpus):
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform([doc["text"] for doc in corpus])
    similarity = (matrix @ matrix.T).tocoo()
    pairs = [(corpus[i]["id"], corpus[j]["id"], round(float(v), 3))
             for i, j, v in zip(similarity.row, similarity.col, similarity.data) if i < j and v > 0.8]
    assert pairs == [], f"near-duplicate documents (TF-IDF cosine > 0.8): {pairs}"
