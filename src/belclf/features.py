"""Text features computed with numpy alone at inference time.

A text is split into lower-cased words once (``tokenize``); every featuriser reads those
words. Fitting uses scikit-learn (TF-IDF) or model2vec (distilling static embeddings); the
fitted state is plain arrays, so loading a model imports neither scikit-learn nor torch.
"""
from __future__ import annotations

import re
from itertools import chain, repeat
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from scipy import sparse

# scikit-learn's default token pattern is \b\w\w+\b; without the \b it finds the same words, faster
_WORD = re.compile(r"\w\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two or more characters."""
    return _WORD.findall(text.lower())


def ngrams(words: list[str]) -> list[str]:
    """Unigrams and bigrams of a word list."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def _analyze(text: str) -> list[str]:  # module level so scikit-learn can call it
    return ngrams(tokenize(text))


def _count_matrix(rows: Sequence[list[int]], n_columns: int) -> sparse.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.fromiter(chain.from_iterable(rows), dtype=np.int32, count=int(indptr[-1]))
    matrix = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), n_columns)
    )
    matrix.sum_duplicates()
    return matrix


class TfidfFeatures:
    """Sublinear TF-IDF over word unigrams and bigrams, rows scaled to unit length.

    Gives the same numbers as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` over
    ``ngrams(tokenize(text))``.
    """

    kind = "tfidf"

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)
        if sorted(vocabulary.values()) != list(range(len(self.idf))):
            raise ValueError(f"the vocabulary's {len(vocabulary)} terms do not match the {len(self.idf)} idf weights")
        # Index the words of all terms so that transform does one dict look-up per word
        # and finds bigrams by integer codes (left * n_words + right) with numpy.
        parts = [term.split(" ") for term in vocabulary]
        self._words: dict[str, int] = {w: i for i, w in enumerate(dict.fromkeys(chain.from_iterable(parts)))}
        n, count, word = len(self._words), len(parts), self._words.__getitem__
        features = np.fromiter(vocabulary.values(), dtype=np.int64, count=count)
        single = np.fromiter(map(len, parts), dtype=np.int64, count=count) == 1
        left = np.fromiter((word(p[0]) for p in parts), dtype=np.int64, count=count)
        right = np.fromiter((word(p[-1]) for p in parts), dtype=np.int64, count=count)
        self._unigram = np.full(n + 1, -1, dtype=np.int64)  # last slot: unknown word
        self._unigram[left[single]] = features[single]
        codes = left[~single] * n + right[~single]
        order = np.argsort(codes, kind="stable")
        self._bigram_codes, self._bigram_features = codes[order], features[~single][order]
        self._starts_bigram = np.zeros(n + 1, dtype=bool)  # few words start a known bigram
        self._starts_bigram[self._bigram_codes // max(n, 1)] = True

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2, max_features: int | None = 50_000) -> "TfidfFeatures":
        """Learn the vocabulary and inverse document frequencies of ``texts``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            analyzer=_analyze, sublinear_tf=True, min_df=min_df, max_features=max_features
        ).fit(texts)
        # Sorted keys make the saved file identical from one run to the next.
        vocabulary = {term: int(i) for term, i in sorted(vectorizer.vocabulary_.items())}
        return cls(vocabulary, vectorizer.idf_)

    @property
    def dim(self) -> int:
        return len(self.idf)

    def transform(self, words: Sequence[list[str]]) -> sparse.csr_matrix:
        """TF-IDF rows for texts given as their ``tokenize`` words."""
        n_words = len(self._words)
        lengths = [len(w) for w in words]
        ids = np.fromiter(map(self._words.get, chain.from_iterable(words), repeat(n_words)),
                          dtype=np.int64, count=sum(lengths))
        text_of = np.repeat(np.arange(len(words)), lengths)
        unigrams = self._unigram[ids]
        left, right = ids[:-1], ids[1:]
        pairs = self._starts_bigram[left] & (right < n_words) & (text_of[:-1] == text_of[1:])
        codes = left[pairs] * n_words + right[pairs]
        slots = np.minimum(np.searchsorted(self._bigram_codes, codes), max(len(self._bigram_codes) - 1, 0))
        found = self._bigram_codes[slots] == codes if len(self._bigram_codes) else np.zeros(0, dtype=bool)
        rows = np.concatenate([text_of[unigrams >= 0], text_of[:-1][pairs][found]])
        columns = np.concatenate([unigrams[unigrams >= 0], self._bigram_features[slots[found]]])
        matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(words), self.dim)
        )  # duplicates are summed: term counts
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
        matrix.data *= self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr))
        return matrix

    def state(self) -> dict:
        # terms in column order: a list is half the size of the term -> column dict
        return {"kind": self.kind, "terms": sorted(self.vocabulary, key=self.vocabulary.__getitem__), "idf": self.idf}


class StaticEmbedding:
    """Mean of static sub-word vectors (a model2vec-style model), scaled to unit length.

    Each distinct word is split into sub-word ids by the encoder's tokenizer once and
    cached, so the per-text cost is a dictionary look-up per word plus sparse products. Vectors are stored as
    int8 with one scale per row: 30k tokens x 256 dimensions in under 8 MB.
    """

    kind = "static"

    def __init__(self, tokenizer_json: str, vectors: np.ndarray, scales: np.ndarray | None = None) -> None:
        from tokenizers import Tokenizer

        self.tokenizer_json = tokenizer_json
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        if scales is None:  # quantise float vectors
            vectors = np.asarray(vectors, dtype=np.float32)
            scales = np.abs(vectors).max(axis=1) / 127.0
            scales[scales == 0] = 1.0
            vectors = np.round(vectors / scales[:, None])
        self.quantised = np.asarray(vectors, dtype=np.int8)
        self.scales = np.asarray(scales, dtype=np.float32)
        self.vectors = self.quantised.astype(np.float32) * self.scales[:, None]
        self._clear_cache()

    @classmethod
    def from_pretrained(cls, path: Union[str, Path]) -> "StaticEmbedding":
        """Load a model2vec directory (``tokenizer.json`` and ``model.safetensors``)."""
        from safetensors.numpy import load_file

        path = Path(path)
        tensors = load_file(path / "model.safetensors")
        vectors = tensors.get("embeddings", next(iter(tensors.values())))
        return cls((path / "tokenizer.json").read_text(encoding="utf-8"), vectors)

    def save(self, path: Union[str, Path]) -> None:
        """Write ``tokenizer.json`` and ``vectors.safetensors`` (int8 vectors and row scales)."""
        from safetensors.numpy import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "tokenizer.json").write_text(self.tokenizer_json, encoding="utf-8")
        save_file({"vectors": self.quantised, "scales": self.scales}, str(path / "vectors.safetensors"))

    @classmethod
    def load(cls, path: Union[str, Path]) -> "StaticEmbedding":
        """Read a folder written by ``save``."""
        from safetensors.numpy import load_file

        path = Path(path)
        tensors = load_file(str(path / "vectors.safetensors"))
        return cls((path / "tokenizer.json").read_text(encoding="utf-8"), tensors["vectors"], tensors["scales"])

    @classmethod
    def distil(cls, encoder: Union[str, Path], dims: int = 256) -> "StaticEmbedding":
        """Distil static vectors from a local Hugging Face encoder directory.

        Needs ``pip install 'belclf[distill]'`` (model2vec's distiller, torch, transformers).
        """
        from ._optional import require

        distill = require("model2vec.distill", "distill", "Distilling an encoder").distill
        model = distill(model_name=str(encoder), pca_dims=dims)
        return cls(model.tokenizer.to_str(), np.asarray(model.embedding, dtype=np.float32))

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    _MAX_CACHED_WORDS = 500_000  # bounds memory on endless streams of new words

    def _clear_cache(self) -> None:
        self._words: dict[str, int] = {}
        self._word_matrix = sparse.csr_matrix((0, len(self.vectors)), dtype=np.float32)

    def _cache(self, words: Sequence[list[str]]) -> None:
        if len(self._words) > self._MAX_CACHED_WORDS:
            self._clear_cache()
        unseen = list(set(chain.from_iterable(words)).difference(self._words))
        if unseen:
            encodings = self.tokenizer.encode_batch(unseen, add_special_tokens=False)
            self._words.update(zip(unseen, range(len(self._words), len(self._words) + len(unseen))))
            # word x sub-word counts: a text's sub-word counts are its word counts times this
            new_rows = _count_matrix([e.ids for e in encodings], len(self.vectors))
            self._word_matrix = sparse.vstack([self._word_matrix, new_rows], format="csr")

    def transform(self, words: Sequence[list[str]]) -> np.ndarray:
        """Unit-length mean vectors for texts given as their ``tokenize`` words."""
        self._cache(words)
        word_counts = _count_matrix([list(map(self._words.__getitem__, text)) for text in words], len(self._words))
        # Sub-word counts are exact integers; sorting them makes the float sums below run in
        # one order whatever the cache's word order, so results do not depend on history.
        subword_counts = word_counts @ self._word_matrix
        subword_counts.sort_indices()
        out = np.asarray(subword_counts @ self.vectors)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def state(self) -> dict:
        from .models import bundled_embedding, embedding_sha256

        digest = embedding_sha256(self)
        try:
            if embedding_sha256(bundled_embedding()) == digest:  # refer to it instead of copying 7 MB
                return {"kind": self.kind, "bundled": True, "sha256": digest}
        except FileNotFoundError:
            pass
        return {"kind": self.kind, "tokenizer": self.tokenizer_json, "vectors": self.quantised, "scales": self.scales}


def from_state(state: dict):
    """Rebuild a featuriser (TF-IDF, static, actors or transformer) from what its ``state()`` returned."""
    if state["kind"] == "tfidf":
        return TfidfFeatures({term: i for i, term in enumerate(state["terms"])}, state["idf"])
    if state["kind"] == "actors":
        from .actors import ActorFeatures

        return ActorFeatures.from_state(state)
    if state["kind"] == "static" and state.get("bundled"):
        from .models import bundled_embedding, embedding_sha256

        embedding = bundled_embedding()
        if embedding_sha256(embedding) != state["sha256"]:
            raise ValueError("the model was trained on another version of the bundled embedding")
        return embedding
    if state["kind"] == "static":
        return StaticEmbedding(state["tokenizer"], state["vectors"], state["scales"])
    if state["kind"] == "transformer":  # imported here: onnxruntime is an optional extra
        from .transformer import WindowedEncoder

        return WindowedEncoder.from_state(state)
    raise ValueError(f"unknown feature kind {state['kind']!r}")
