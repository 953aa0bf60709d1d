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


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two or more characters."""
    return _WORD.findall(text.lower())


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
_SPECIAL = ("\u0130", "\u03a3")  # İ and Σ: their lower case is not one fixed code point


@lru_cache(maxsize=2)
def _unicode_tables(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the code points below ``size``: whether each is a word character (``\\w``), whether
    it is white space (``\\s``), and its lower case."""
    chars = np.arange(size, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    is_word, is_space = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
    for table, pattern in ((is_word, r"\w+"), (is_space, r"\s+")):
        for run in re.finditer(pattern, chars):
            table[run.start() : run.end()] = True
    for special in _SPECIAL:  # texts with these are lower-cased by str.lower (see _code_points)
        chars = chars.replace(special, " ")
    lower = np.frombuffer(chars.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    return is_word, is_space, lower


def _tables_for(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # the Basic Multilingual Plane's tables take milliseconds to build; all of Unicode's are built only when needed
    return _unicode_tables(0x10000 if not len(points) or points.max() < 0x10000 else 0x110000)


def word_characters(points: np.ndarray) -> np.ndarray:
    """Which of the code points ``points`` are word characters (``\\w``)."""
    return _tables_for(points)[0][points]


def space_characters(points: np.ndarray) -> np.ndarray:
    """Which of the code points ``points`` are white space (``\\s``)."""
    return _tables_for(points)[1][points]


_powers = np.ones(1, dtype=np.uint64)


def _powers_of_base(n: int) -> np.ndarray:
    """BASE**i modulo 2**64 for i < n (cached, grown by doubling)."""
    global _powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 64)
        with np.errstate(over="ignore"):
            _powers = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64))])
    return _powers


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower-cased code points of ``texts`` joined by newlines, which of them are word
    characters, and where each text starts."""
    texts = [t.lower() if _SPECIAL[0] in t or _SPECIAL[1] in t else t for t in texts]
    points = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    is_word, _, lower = _tables_for(points)
    return lower[points], is_word[points], np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])


def _word_spans(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash of each word of ``texts`` (as ``tokenize`` finds them), and the text it is in.

    A word's hash is the sum of its lower-cased code points times BASE**(place in the word),
    modulo 2**64: a difference of two prefix sums, whatever the text around the word.
    """
    points, word, starts = _code_points(texts)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], word, [False]]).view(np.int8)))
    begin, end = edges[0::2], edges[1::2]
    place = np.arange(len(points))
    first = np.zeros(len(points), dtype=np.int64)
    first[begin] = begin
    place -= np.maximum.accumulate(first) if len(first) else first
    place *= word  # 0 outside words, so the powers needed are those of the longest word
    long_enough = end - begin >= 2
    begin, end = begin[long_enough], end[long_enough]
    powers = _powers_of_base(int(place.max()) + 1 if len(place) else 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(points) + 1, dtype=np.uint64)
        np.cumsum(points.astype(np.uint64) * powers[place], out=prefix[1:])
        hashes = prefix[end] - prefix[begin]
    return hashes, np.searchsorted(starts, begin, side="right") - 1


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """The hash ``_word_spans`` gives each of ``words`` (lower-cased single words)."""
    hashes, text_of = _word_spans(list(words))
    if len(hashes) != len(words) or not np.array_equal(text_of, np.arange(len(words))):
        raise ValueError("word_hashes takes single words of two or more word characters")
    return hashes


class _IntMap:
    """A numpy hash table from distinct integer keys to non-negative integers (open addressing)."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys).astype(np.uint64)
        if len(np.unique(keys)) != len(keys):
            raise ValueError("keys must be distinct")
        self._bits = max(int(np.ceil(np.log2(max(len(keys), 1) * 4))), 4)
        self._keys = np.zeros(1 << self._bits, dtype=np.uint64)
        self._values = np.full(1 << self._bits, -1, dtype=np.int64)  # -1: empty slot
        slots = self._slot(keys)
        pending = np.arange(len(keys))
        while len(pending):  # place each key at its slot or the next free one
            free = self._values[slots[pending]] < 0
            claim, first = np.unique(slots[pending][free], return_index=True)
            placed = pending[free][first]
            self._keys[claim], self._values[claim] = keys[placed], np.asarray(values)[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & ((1 << self._bits) - 1)

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # Fibonacci hashing: the top bits of key * odd constant
            return ((keys * np.uint64(_BASE)) >> np.uint64(64 - self._bits)).astype(np.int64)

    def get(self, keys: np.ndarray, default: int = -1) -> np.ndarray:
        """The value of each key, ``default`` where absent."""
        keys = np.asarray(keys).astype(np.uint64)
        slots = self._slot(keys)
        values = self._values[slots]
        found = (self._keys[slots] == keys) & (values >= 0)
        out = np.where(found, values, default)
        active = np.flatnonzero(~found & (values >= 0))  # another key sits there: probe on
        mask = (1 << self._bits) - 1
        while len(active):
            slots[active] = (slots[active] + 1) & mask
            seen = slots[active]
            values = self._values[seen]
            found = (self._keys[seen] == keys[active]) & (values >= 0)
            out[active[found]] = values[found]
            active = active[~found & (values >= 0)]
        return out


class SparseRows:
    """Rows of a sparse matrix in CSR form (values, column indices, row starts), with the one
    product inference needs: numpy alone, so predicting never imports scipy (0.14 s)."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> None:
        self.data, self.indices, self.indptr, self.shape = data, indices, indptr, shape

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        """rows @ dense (columns x k) in float64; each row summed alone, so a row's result does
        not depend on the rows beside it."""
        products = self.data[:, None].astype(np.float64) * dense[self.indices]
        out = np.zeros((self.shape[0], dense.shape[1]))
        filled = np.flatnonzero(self.indptr[1:] > self.indptr[:-1])
        if len(filled):
            out[filled] = np.add.reduceat(products, self.indptr[filled], axis=0)
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
        # Words of all terms, each looked up by its hash (see _word_spans); bigrams by integer
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
        self._unigram = np.full(n + 1, -1, dtype=np.int64)  # last slot: unknown word
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

    def transform(self, texts: Sequence[str]):
        """TF-IDF rows of ``texts`` as a ``scipy.sparse.csr_matrix``."""
        return self.rows(texts).to_scipy()

    def rows(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows of ``texts``, without scipy (what prediction reads)."""
        n_words = self._n_words
        hashes, text_of = _word_spans(texts)
        ids = self._word_ids.get(hashes, default=n_words)
        unigrams = self._unigram[ids]
        left, right = ids[:-1], ids[1:]
        pairs = self._starts_bigram[left] & (right < n_words) & (text_of[:-1] == text_of[1:])
        bigrams = self._bigrams.get(left[pairs] * n_words + right[pairs])
        rows = np.concatenate([text_of[unigrams >= 0], text_of[:-1][pairs][bigrams >= 0]])
        columns = np.concatenate([unigrams[unigrams >= 0], bigrams[bigrams >= 0]])
        # Term counts: sort (text, term) codes and count the runs (a 32-bit sort where codes fit).
        shift = max(self.dim - 1, 1).bit_length()
        wide = (len(texts) << shift) >= 1 << 32
        codes = np.sort((rows.astype(np.uint64 if wide else np.uint32) << shift) | columns.astype(np.uint32))
        change = np.ones(len(codes), dtype=bool)
        change[1:] = codes[1:] != codes[:-1]
        first = np.flatnonzero(change)
        counts = np.diff(np.append(first, len(codes))).astype(np.float32)
        rows, columns = (codes[first] >> shift).astype(np.int64), (codes[first] & ((1 << shift) - 1)).astype(np.int32)
        data = (np.log(counts) + np.float32(1.0)) * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        data /= np.maximum(norms, 1e-12)[rows].astype(np.float32)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        return SparseRows(data, columns, indptr, (len(texts), self.dim))

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
