"""Text features computed with numpy alone at inference time.

A text is split into lower-cased words once (``tokenize``); every featuriser reads those
words. Fitting uses scikit-learn (TF-IDF) or model2vec (distilling static embeddings); the
fitted state is plain arrays, so loading a model imports neither scikit-learn nor torch.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Sequence, Union

import numpy as np

# scikit-learn's default token pattern is \b\w\w+\b; without the \b it finds the same words, faster
_WORD = re.compile(r"\w\w+")


def lower(text: str) -> str:
    """``text`` lower-cased one character for one ("İ" -> "i", "Σ" -> "σ" wherever it stands),
    so that a place in the lower-cased text is the same place in ``text``."""
    low = text.lower()
    if len(low) == len(text) and "\u03a3" not in text:  # str.lower makes a word-final Σ "ς"
        return low
    return "".join(c.lower()[0] for c in text)


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two or more characters."""
    return _WORD.findall(lower(text))


def ngrams(words: list[str]) -> list[str]:
    """Unigrams and bigrams of a word list."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def _analyze(text: str) -> list[str]:  # module level so scikit-learn can call it
    return ngrams(tokenize(text))


# ---------------------------------------------------------------- words as integers, in numpy
# The default's hot path. Instead of a Python string and a dict look-up per word, a batch of
# texts becomes one array of code points; words are runs of \w characters, each reduced to a
# 64-bit polynomial hash of its lower-cased code points and looked up in a numpy hash table.
# It finds exactly the words of ``tokenize`` (tests compare them on the corpus and on odd Unicode).

_BASE = 0x9E3779B97F4A7C15  # odd, so that multiplying by it loses nothing modulo 2**64
_INVERSE = pow(_BASE, -1, 1 << 64)  # _BASE * _INVERSE == 1 modulo 2**64


@lru_cache(maxsize=2)
def _unicode_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    """For the code points below ``size``: whether each is a word character (``\\w``), and its
    lower case (as ``lower`` gives it)."""
    chars = np.arange(size, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    is_word = np.zeros(size, dtype=bool)
    for run in re.finditer(r"\w+", chars):
        is_word[run.start() : run.end()] = True
    special = {0x130: "i", 0x3A3: "\u03c3"}  # İ (two characters in str.lower) and Σ (two forms)
    for point in special:
        chars = chars.replace(chr(point), " ")
    lower = np.frombuffer(chars.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    for point, low in special.items():
        lower[point] = ord(low)
    return is_word, lower


_CACHED_POWERS = 1 << 18  # powers kept for batches up to 256K characters (4 MB); longer ones get theirs anew
_powers = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))


def _powers_of_base(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i modulo 2**64 for i < n (at least n of each)."""
    global _powers
    if len(_powers[0]) >= n:
        return _powers
    size = n if n > _CACHED_POWERS else min(max(n, 2 * len(_powers[0]), 1 << 16), _CACHED_POWERS)
    with np.errstate(over="ignore"):
        made = tuple(np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, b, dtype=np.uint64))])
                     for b in (_BASE, _INVERSE))
    if size <= _CACHED_POWERS:
        _powers = made
    return made


class Words:
    """The words of a batch of texts, found once for every featuriser that reads them.

    The texts are lower-cased (``lower``), joined by newlines and read as one array of code
    points; a word is a run of word characters (``\\w``). Any span of a text has a 64-bit hash,
    the sum of its code points times BASE**(place in the span) modulo 2**64, taken from one
    prefix sum (``span_hashes``): the same span hashes the same wherever it stands.

    Attributes: ``texts``; ``joined`` (the texts joined by newlines), ``points`` (its
    lower-cased code points) and ``upper`` (which of them were not lower case); ``starts`` and ``stops`` (where
    each text begins and ends in ``points``); ``begin``, ``end``, ``hashes``, ``text_of`` (per
    word, of every length: ``tokenize`` keeps those of two or more characters).
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.joined = "\n".join(self.texts)
        original = np.frombuffer(self.joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        # ASCII by arithmetic (twice as fast as table look-ups), the rest by the tables
        self.upper = (original - np.uint32(65)) < 26
        self.points = original + self.upper * np.uint32(32)
        word = np.zeros(len(original) + 2, dtype=bool)  # padded with False on both sides
        inner = word[1:-1]
        np.less(self.points - np.uint32(97), 26, out=inner)
        inner |= (self.points - np.uint32(48)) < 10
        inner |= self.points == ord("_")
        beyond = np.flatnonzero(original >= 128)
        if len(beyond):  # tables for the Basic Multilingual Plane take 0.01 s to build, for all of Unicode 0.2 s
            is_word, lower_case = _unicode_tables(0x10000 if original[beyond].max() < 0x10000 else 0x110000)
            self.points[beyond], inner[beyond] = lower_case[original[beyond]], is_word[original[beyond]]
            self.upper[beyond] = self.points[beyond] != original[beyond]
        del original
        lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
        self.starts = np.cumsum(lengths + 1) - lengths - 1
        self.stops = self.starts + lengths
        edges = np.flatnonzero(word[1:] != word[:-1])  # a bool array: nonzero is fastest on it
        self.begin, self.end = edges[0::2], edges[1::2]
        per_text = np.diff(np.append(np.searchsorted(self.begin, self.starts), len(self.begin)))
        self.text_of = np.repeat(np.arange(len(self.texts)), per_text)
        self._powers, self._inverse = _powers_of_base(len(self.points) + 1)
        self._prefix = np.zeros(len(self.points) + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):  # in place: no temporary arrays of 8 bytes a character
            np.multiply(self.points, self._powers[: len(self.points)], out=self._prefix[1:])
            np.cumsum(self._prefix[1:], out=self._prefix[1:])
        self.hashes = self.span_hashes(self.begin, self.end)

    def span_hashes(self, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
        """The hash of each span [begin, end) of ``points``."""
        with np.errstate(over="ignore"):
            return (self._prefix[end] - self._prefix[begin]) * self._inverse[begin]



def as_words(texts: Union[Sequence[str], Words]) -> Words:
    """``texts`` as ``Words`` (itself if it already is)."""
    return texts if isinstance(texts, Words) else Words(texts)


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """The hash ``Words`` gives each of ``words`` (lower-cased single words)."""
    found = Words(list(words))
    if len(found.hashes) != len(words) or not np.array_equal(found.text_of, np.arange(len(words))) \
            or (found.end - found.begin < 2).any():
        raise ValueError("word_hashes takes single words of two or more word characters")
    return found.hashes


class _IntMap:
    """A numpy hash table from distinct integer keys to non-negative integers (open addressing).

    Linear probing, with the longest probe of any key recorded when the table is built: a look-up
    reads each key's own slot, and the few keys not found there read all the slots a key of
    theirs could have moved to in one gather (no loop of small steps)."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys).astype(np.uint64)
        if len(np.unique(keys)) != len(keys):
            raise ValueError("keys must be distinct")
        self._bits = max(int(np.ceil(np.log2(max(len(keys), 1) * 4))), 4)
        mask = (1 << self._bits) - 1
        # an empty slot holds value -1 and a key that is not a key of the table
        empty = 0
        while (keys == np.uint64(empty)).any():
            empty += 1
        self._keys = np.full(1 << self._bits, empty, dtype=np.uint64)
        self._values = np.full(1 << self._bits, -1, dtype=np.int64)
        home = self._slot(keys)
        slots = home.copy()
        pending = np.arange(len(keys))
        while len(pending):  # place each key at its slot or the next free one
            free = self._values[slots[pending]] < 0
            claim, first = np.unique(slots[pending][free], return_index=True)
            placed = pending[free][first]
            self._keys[claim], self._values[claim] = keys[placed], np.asarray(values)[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & mask
        self._probe = np.arange(1, int(((slots - home) & mask).max(initial=0)) + 1)  # steps a key may have moved

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # Fibonacci hashing: the top bits of key * odd constant
            slots = keys * np.uint64(_BASE)
        slots >>= np.uint64(64 - self._bits)
        return slots.view(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 where absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        slots = self._slot(keys)
        out = self._values[slots]  # right where a key sits at its own slot; -1 where that is empty
        moved = np.flatnonzero(self._keys[slots] != keys)
        moved = moved[np.flatnonzero(out[moved] >= 0)]  # another key sits there: the key, if present, is further on
        if len(moved):
            out[moved] = -1
            seen = (slots[moved, None] + self._probe) & ((1 << self._bits) - 1)
            row, step = np.nonzero(self._keys[seen] == keys[moved, None])  # keys are distinct: one at most
            out[moved[row]] = self._values[seen[row, step]]
        return out


class SparseRows:
    """Rows of a sparse matrix in CSR form (values, column indices, row starts), with the one
    product inference needs: numpy alone, so predicting never imports scipy (0.14 s)."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> None:
        self.data, self.indices, self.indptr, self.shape = data, indices, indptr, shape

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        """rows @ dense (columns x k) in float64; each row summed alone, so a row's result does
        not depend on the rows beside it."""
        out = np.zeros((self.shape[0], dense.shape[1]))
        filled = np.flatnonzero(self.indptr[1:] > self.indptr[:-1])
        if len(filled):
            data = self.data.astype(np.float64)
            for j in range(dense.shape[1]):  # a column at a time: arrays of one number per entry
                out[filled, j] = np.add.reduceat(data * dense[:, j][self.indices], self.indptr[filled])
        return out

    def to_scipy(self):
        """The same rows as a ``scipy.sparse.csr_matrix``."""
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def _count_matrix(rows: Sequence[list[int]], n_columns: int):
    from scipy import sparse

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
        # Words of all terms, each looked up by its hash (see Words); bigrams by integer
        # codes (left * n_words + right).
        parts = [term.split(" ") for term in vocabulary]
        words = list(dict.fromkeys(chain.from_iterable(parts)))
        n, count, word = len(words), len(parts), {w: i for i, w in enumerate(words)}.__getitem__
        try:
            self._word_ids = _IntMap(word_hashes(words), np.arange(n))
        except ValueError as exc:
            raise ValueError(f"the vocabulary has terms that are not lower-cased words of two or more "
                             f"word characters, or two words with one hash ({exc})") from exc
        self._n_words = n
        features = np.fromiter(vocabulary.values(), dtype=np.int64, count=count)
        single = np.fromiter(map(len, parts), dtype=np.int64, count=count) == 1
        left = np.fromiter((word(p[0]) for p in parts), dtype=np.int64, count=count)
        right = np.fromiter((word(p[-1]) for p in parts), dtype=np.int64, count=count)
        self._unigram = np.full(n + 1, -1, dtype=np.int64)  # last entry: an unknown word (id -1)
        self._unigram[left[single]] = features[single]
        self._bigrams = _IntMap(left[~single] * n + right[~single], features[~single])
        self._starts_bigram = np.zeros(n + 1, dtype=bool)  # few words start a known bigram
        self._starts_bigram[left[~single]] = True

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

    def transform(self, texts: Union[Sequence[str], Words]):
        """TF-IDF rows of ``texts`` as a ``scipy.sparse.csr_matrix``."""
        return self.rows(texts).to_scipy()

    def rows(self, texts: Union[Sequence[str], Words]) -> SparseRows:
        """TF-IDF rows of ``texts`` (or of their ``Words``), without scipy (what prediction reads)."""
        words, n_words = as_words(texts), self._n_words
        n_texts = len(words.texts)
        # (index arrays from flatnonzero, not boolean masks: numpy indexes by a mask at half the speed)
        long_enough = np.flatnonzero(words.end - words.begin >= 2)  # the words of tokenize
        hashes, text_of = words.hashes[long_enough], words.text_of[long_enough]
        ids = self._word_ids.get(hashes)  # -1: not a word of the vocabulary (the tables' last entry)
        unigrams = self._unigram[ids]
        left, right = ids[:-1], ids[1:]
        pairs = np.flatnonzero(self._starts_bigram[left] & (right >= 0) & (text_of[:-1] == text_of[1:]))
        bigrams = self._bigrams.get(left[pairs] * n_words + right[pairs])
        known, known_pairs = np.flatnonzero(unigrams >= 0), np.flatnonzero(bigrams >= 0)
        rows = np.concatenate([text_of[known], text_of[pairs[known_pairs]]])
        columns = np.concatenate([unigrams[known], bigrams[known_pairs]])
        # Term counts: sort (text, term) codes and count the runs (a 32-bit sort where codes fit).
        shift = max(self.dim - 1, 1).bit_length()
        wide = (n_texts << shift) >= 1 << 32
        codes = np.sort((rows.astype(np.uint64 if wide else np.uint32) << shift) | columns.astype(np.uint32))
        change = np.ones(len(codes), dtype=bool)
        change[1:] = codes[1:] != codes[:-1]
        first = np.flatnonzero(change)
        counts = np.diff(np.append(first, len(codes))).astype(np.float32)
        rows, columns = (codes[first] >> shift).astype(np.int64), (codes[first] & ((1 << shift) - 1)).astype(np.int32)
        data = (np.log(counts) + np.float32(1.0)) * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_texts))
        data /= np.maximum(norms, 1e-12)[rows].astype(np.float32)
        indptr = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_texts), out=indptr[1:])
        return SparseRows(data, columns, indptr, (n_texts, self.dim))

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
        from scipy import sparse

        self._words: dict[str, int] = {}
        self._word_matrix = sparse.csr_matrix((0, len(self.vectors)), dtype=np.float32)

    def _cache(self, words: Sequence[list[str]]) -> None:
        if len(self._words) > self._MAX_CACHED_WORDS:
            self._clear_cache()
        unseen = list(set(chain.from_iterable(words)).difference(self._words))
        if unseen:
            from scipy import sparse

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
