"""The classifier: features, one calibrated linear head per label, per-label thresholds."""
from __future__ import annotations

import hashlib
import inspect
import json
import numbers
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ._optional import require
from .clean import clean as clean_text
from .clean import sentences
from .features import SparseRows, StaticEmbedding, TfidfFeatures, Words, from_state, tokenize
from .prediction import LABELS, Evidence, Prediction

FEATURE_KINDS = ("tfidf", "static", "transformer")
# A model folder: arrays in safetensors, everything else in JSON, and a SHA-256 manifest of both.
# Nothing in it can run code when loaded (belclf 0.1 pickled the state to model.joblib).
ARRAYS_FILE, STATE_FILE, CARD_FILE, MANIFEST_FILE = "model.safetensors", "model.json", "card.json", "manifest.json"
LEGACY_FILE = "model.joblib"
FORMAT_VERSION = 2
_HEAD_ARRAYS = ("coef", "intercept", "calibration", "thresholds")


class ModelError(ValueError):
    """A saved model is missing, corrupt, or does not match its manifest."""


class NotFittedError(ValueError, AttributeError):
    """A classifier was used before ``fit`` or ``load``. Same bases as scikit-learn's
    NotFittedError, which belclf cannot raise without importing scikit-learn at inference."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def best_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The threshold with the highest F1 on (probabilities, truth); ties go to the one nearest 0.5.

    It lies halfway between two scores rather than on one, so that a text scored at the edge
    keeps its label when the last digits of its score move (another CPU, another summation order).
    """
    candidates = np.unique(np.concatenate([probabilities, [0.5]]))
    best, best_key = 0.5, (-1.0, 0.0)
    for threshold in candidates:
        predicted = probabilities >= threshold
        tp = float(np.sum(predicted & truth))
        f1 = 2 * tp / max(float(predicted.sum() + truth.sum()), 1.0)
        key = (round(f1, 9), -abs(threshold - 0.5))
        if key > best_key:
            best, best_key = float(threshold), key
    below = probabilities[probabilities < best]
    return (best + float(below.max())) / 2 if len(below) else best


class Gate:
    """The relevance gate: a calibrated logistic regression over the classifier's word and actor
    features (its weights on encoder features are 0); below ``threshold`` a text gets no labels."""

    def __init__(self, coef: np.ndarray, intercept: float, calibration: np.ndarray, threshold: float) -> None:
        self.coef, self.intercept = np.asarray(coef, dtype=np.float32), float(intercept)
        self.calibration, self.threshold = np.asarray(calibration, dtype=np.float64), float(threshold)

    def probability(self, blocks: list[Any]) -> np.ndarray:
        score = _linear(blocks, self.coef[:, None], np.array([self.intercept]))[:, 0]
        return _sigmoid(score * self.calibration[0] + self.calibration[1])


class Classifier:
    """Multi-label text classifier with the estimator API of scikit-learn.

    It follows scikit-learn's estimator contract without importing scikit-learn: the
    constructor only stores its arguments (they are checked by ``fit``), ``get_params`` and
    ``set_params`` work, so ``sklearn.base.clone``, ``GridSearchCV``, ``cross_val_score`` and
    ``Pipeline`` accept it. ``X`` is a sequence of texts and ``y`` a 0/1 matrix (texts x labels);
    ``score`` is macro F1 (see there). The fitted state keeps its documented names without
    scikit-learn's trailing underscore (``thresholds``, ``gate``, ``card``, ``coef``...).

    Args:
        labels: the label names it predicts, in order.
        backend: feature blocks joined by ``+``: ``tfidf`` (word uni/bigram TF-IDF),
            ``static`` (static embeddings distilled from an encoder, numpy only) and
            ``transformer`` (a frozen encoder read in windows by ONNX Runtime; training needs
            ``belclf[transformer]``, predicting ``belclf[accurate]``),
            e.g. ``"tfidf"``, ``"tfidf+static"``, ``"tfidf+transformer"``.
        C: inverse regularisation strength of each label's logistic regression.
        min_df: a TF-IDF term must occur in at least this many training texts.
        embedding_weight: scale of an embedding block (static or transformer) next to TF-IDF.
        embedding: the static embedding to use (default: the one bundled with belclf).
        encoder: local encoder directory for ``transformer`` (default: all-MiniLM-L6-v2).
        encoder_layers: use only the encoder's first layers (None: all); faster, see
            ``belclf.transformer.WindowedEncoder``.
        encoder_int8: quantise the encoder's weights to int8 (onnxruntime dynamic quantisation);
            faster and a quarter of the size.
        encoder_windows: let the encoder read at most this many windows of a text, the first
            ones (None: all); TF-IDF still reads the whole text.
        seed: seed for cross-validation folds and solvers; training is deterministic.
        clean: apply ``belclf.clean`` to texts before featurising (training and prediction).
        actors: add actor features (``belclf.actors``: mentions of Belarusian, Western, Russian
            and other actors, and who appears with whom, sentence by sentence): ``True`` for the
            bundled dictionary, a path to merge a dictionary of one's own into it (saved with
            the model), ``False`` for none.
        languages: ISO 639-1 codes of the languages the model reads (the bundled models read
            English). A text detected to be mostly in another language gets no labels and a
            ``note`` saying why (its scores are still reported, but mean little); a text too
            short to tell is labelled as usual. None: label every text. Either way each
            prediction reports the detected ``language`` (``belclf.language``).
    """

    def __init__(
        self,
        labels: Sequence[str] = LABELS,
        backend: str = "tfidf",
        C: float = 10.0,
        min_df: int = 2,
        embedding_weight: float = 1.0,
        embedding: StaticEmbedding | None = None,
        encoder: str | None = None,
        encoder_layers: int | None = None,
        encoder_int8: bool = False,
        encoder_windows: int | None = None,
        seed: int = 0,
        clean: bool = True,
        actors: bool | str = True,
        languages: Sequence[str] | None = ("en",),
    ) -> None:
        # Only store the arguments, unchanged: clone and set_params rely on it; fit checks them.
        self.labels = labels
        self.backend = backend
        self.C = C
        self.min_df = min_df
        self.embedding_weight = embedding_weight
        self.embedding = embedding
        self.encoder = encoder
        self.encoder_layers = encoder_layers
        self.encoder_int8 = encoder_int8
        self.encoder_windows = encoder_windows
        self.seed = seed
        self.clean = clean
        self.actors = actors
        self.languages = languages

    # fitted state, set by fit or load (scikit-learn's rule: the constructor sets parameters only)
    features: list[Any]
    coef: np.ndarray
    intercept: np.ndarray
    calibration: np.ndarray
    thresholds: np.ndarray
    gate: Gate | None
    card: dict[str, Any]

    # ----------------------------------------------------------------- estimator protocol
    @classmethod
    def _param_names(cls) -> list[str]:
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``get_params`` (nothing nested: ``deep`` changes nothing)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "Classifier":
        """Set constructor parameters, as scikit-learn's ``set_params``; they take effect at the next ``fit``."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(f"invalid parameter {name!r} for Classifier; valid parameters: {', '.join(names)}")
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags (read only by scikit-learn, so importing it here costs inference nothing):
        a multi-label classifier of texts."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier",
                    target_tags=TargetTags(required=True, two_d_labels=True, multi_output=True, single_output=False),
                    classifier_tags=ClassifierTags(multi_class=False, multi_label=True),
                    input_tags=InputTags(one_d_array=True, two_d_array=False, string=True))

    @property
    def classes_(self) -> list[np.ndarray]:
        """The classes of each label, [0, 1] (scikit-learn's multi-output convention; its scorers read it)."""
        self._check_fitted()
        return [np.array([0, 1]) for _ in self.labels]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError("this Classifier is not fitted: call fit(texts, y) first, or use belclf.load(path)")

    def _check_params(self) -> None:
        backend = self.backend if isinstance(self.backend, str) else ""
        parts = backend.split("+")
        if any(p not in FEATURE_KINDS for p in parts) or len(set(parts)) != len(parts):
            raise ValueError(f"backend must join distinct parts of {FEATURE_KINDS} with '+', not {self.backend!r}")
        labels = [] if isinstance(self.labels, str) else list(self.labels)
        if not labels or len(set(labels)) != len(labels) or not all(isinstance(l, str) and l for l in labels):
            raise ValueError(f"labels must be a sequence of distinct, non-empty names, not {self.labels!r}")
        if not isinstance(self.C, numbers.Real) or not self.C > 0:
            raise ValueError(f"C must be a positive number, not {self.C!r}")
        if not isinstance(self.min_df, numbers.Integral) or self.min_df < 1:
            raise ValueError(f"min_df must be a positive integer, not {self.min_df!r}")
        if isinstance(self.languages, str):
            raise TypeError(f"languages must be a sequence of codes such as ('en',), not the str {self.languages!r}")

    def _check_y(self, y: Any, n_texts: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n_texts, len(self.labels)):
            raise ValueError(f"y must be a 0/1 matrix of shape ({n_texts}, {len(self.labels)}) (texts x labels "
                             f"{list(self.labels)}), not shape {y.shape}")
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"y must be a 0/1 matrix; it holds {y[~np.isin(y, (0, 1))].ravel()[0]!r}")
        return y.astype(int)

    def score(self, texts: Sequence[str], y: Any) -> float:
        """Macro F1 of ``predict(texts)`` against the 0/1 matrix ``y``: the mean of the labels' F1,
        over the labels that occur in ``y`` or in the predictions (``belclf.metrics.evaluate``,
        the number of the model card and ``belclf evaluate``). It is what ``GridSearchCV`` and
        ``cross_val_score`` maximise by default. Not scikit-learn's default for classifiers,
        subset accuracy (every label of a text right), which on six labels is harsh and noisy;
        pass ``scoring="accuracy"`` for it, or ``scoring="f1_macro"`` for scikit-learn's macro F1
        (which counts a label absent from both as 0).
        """
        from .metrics import evaluate

        texts = _check_texts(texts)
        return float(evaluate(self._check_y(y, len(texts)), self.predict(texts), self.labels)["macro_f1"])

    # ----------------------------------------------------------------- features
    def _prepare(self, texts: Iterable[str]) -> list[str]:
        return [clean_text(t) if self.clean else t for t in texts]

    def _blocks(self, texts: Sequence[str]) -> list[Any]:
        """Feature blocks of already-prepared texts, each scaled as it was in training."""
        blocks: dict[int, Any] = {}
        words = Words(texts)  # found once, read by TF-IDF and the actor dictionary
        # the actor block first, while the words are still in the CPU's cache (TF-IDF evicts them)
        for i in sorted(range(len(self.features)), key=lambda i: self.features[i].kind != "actors"):
            feature = self.features[i]
            if feature.kind == "tfidf":
                blocks[i] = feature.rows(words)
            elif feature.kind == "static":
                blocks[i] = feature.transform([tokenize(t) for t in texts]) * self.embedding_weight
            elif feature.kind == "actors":
                blocks[i] = feature.transform(words)
            else:  # the transformer reads the text itself
                blocks[i] = feature.transform(texts) * self.embedding_weight
        return [blocks[i] for i in range(len(self.features))]

    # ----------------------------------------------------------------- fitting
    def _fit_features(self, texts: Sequence[str]) -> None:
        self.features = []
        for part in self.backend.split("+"):
            if part == "tfidf":
                self.features.append(TfidfFeatures.fit(texts, min_df=self.min_df))
            elif part == "static":
                from .models import bundled_embedding

                self.features.append(self.embedding or bundled_embedding())
            else:
                from .transformer import WindowedEncoder

                # frozen: only the heads learn; exported to ONNX once, so predicting needs no torch
                self.features.append(WindowedEncoder.build(self.encoder, max_windows=self.encoder_windows,
                                                           layers=self.encoder_layers, int8=self.encoder_int8))
        if self.actors:
            from .actors import ActorDictionary, ActorFeatures, bundled

            dictionary = bundled() if self.actors is True else ActorDictionary.load(self.actors)
            self.features.append(ActorFeatures(dictionary))

    def _columns_of(self, *kinds: str) -> np.ndarray:
        """Which columns of the feature matrix belong to feature blocks of these kinds."""
        return np.concatenate([np.full(f.dim, f.kind in kinds, dtype=bool) for f in self.features])

    def _actor_block(self) -> Any:
        """The actor feature block (None without one); ``_columns_of("actors")`` gives its columns."""
        return next((feature for feature in self.features if feature.kind == "actors"), None)

    @staticmethod
    def _n_folds(column: np.ndarray) -> int:
        return min(5, int(min(column.sum(), len(column) - column.sum())))

    def _fit_head(self, X: Any, column: np.ndarray, name: str, C: float,
                  bar: Any) -> tuple[np.ndarray, float, list[float]]:
        """One balanced logistic regression and its Platt calibration on 5-fold held-out scores
        (``bar``, a tqdm bar, advances once per fold and once for the final fit)."""
        LogisticRegression = require("sklearn.linear_model", "train", "Training").LogisticRegression
        selection = require("sklearn.model_selection", "train", "Training")
        clone = require("sklearn.base", "train", "Training").clone
        if column.min() == column.max():
            raise ValueError(f"{name!r} has no {'negative' if column.min() else 'positive'} examples")
        # Tight tolerances: a solver stopped early stops at a point that depends on the CPU's float
        # order (a 1e-4 tolerance moved probabilities by up to 9e-4 between two machines).
        head = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=self.seed, tol=1e-6)
        folds = selection.StratifiedKFold(n_splits=self._n_folds(column), shuffle=True, random_state=self.seed)
        held_out = np.zeros(len(column))
        # what cross_val_predict does, fold by fold, so that a progress bar can follow
        for k, (train, test) in enumerate(folds.split(np.zeros(len(column)), column)):
            bar.set_postfix_str(f"{name}, fold {k + 1}/{folds.n_splits}", refresh=False)
            held_out[test] = clone(head).fit(X[train], column[train]).decision_function(X[test])
            bar.update()
        platt = LogisticRegression(C=1e4, solver="lbfgs", tol=1e-10, max_iter=1000).fit(held_out[:, None], column)
        bar.set_postfix_str(f"{name}, all folds", refresh=False)
        head.fit(X, column)
        bar.update()
        return head.coef_.ravel(), float(head.intercept_[0]), [float(platt.coef_[0, 0]), float(platt.intercept_[0])]

    def fit(
        self,
        texts: Sequence[str],
        y: np.ndarray,
        dev_texts: Sequence[str] | None = None,
        dev_y: np.ndarray | None = None,
        relevant: Sequence[bool] | None = None,
        dev_relevant: Sequence[bool] | None = None,
        progress: bool = False,
    ) -> "Classifier":
        """Fit on ``texts`` with a 0/1 matrix ``y`` (texts x labels).

        Probabilities are calibrated with Platt scaling on 5-fold cross-validated scores.
        With a development set, each label's threshold is the one with the best F1 on it;
        without one, thresholds are 0.5.

        ``relevant`` (one bool per text, e.g. "is about Belarus") trains a relevance gate
        when it holds both values: below the gate's threshold a text gets no labels (its
        scores are still reported). The gate's threshold is the one that best finds the
        irrelevant dev texts (F1), or 0.5 without a development set.

        ``progress`` shows bars on standard error: the encoder's batches, each head's folds.
        Training texts mostly in languages outside ``languages`` are refused (ValueError).
        """
        from scipy import sparse
        from tqdm import tqdm

        self._check_params()
        texts = _check_texts(texts)
        if not texts:
            raise ValueError("fit needs texts: got none")
        y = self._check_y(y, len(texts))
        relevant = np.ones(len(texts), bool) if relevant is None else np.asarray(relevant, dtype=bool)
        prepared = self._prepare(texts)
        self._check_languages(texts, prepared)
        self._fit_features(prepared)
        self._show_progress(progress)
        X = sparse.vstack([sparse.hstack([b.to_scipy() if isinstance(b, SparseRows) else sparse.csr_matrix(b)
                                          for b in self._blocks(chunk)], format="csr")
                           for chunk in self._chunks(prepared)], format="csr")
        # Actor features speak to who deals with whom: the direction heads and the gate read them,
        # the theme heads do not. Encoder features do not feed the gate: it asks whether a text is
        # about Belarus at all, which its words and actors answer; with them it let more off-topic
        # texts through on dev. A head's weights on the columns it does not read stay 0.
        from .actors import direction_bloc

        actors = self._actor_block()
        without_actors, without_encoder = ~self._columns_of("actors"), ~self._columns_of("transformer", "static")
        columns = [y[:, j] for j in range(len(self.labels))] + ([] if relevant.all() else [relevant.astype(int)])
        bar = tqdm(total=sum(self._n_folds(c) + 1 for c in columns if c.min() != c.max()), unit="fit",
                   desc="heads", disable=not progress, mininterval=0, miniters=1)  # a fit is slow: show each

        def fit_head(read: np.ndarray, target: np.ndarray, name: str) -> tuple[np.ndarray, float, Any]:
            coef, intercept, calibration = self._fit_head(X[:, read] if not read.all() else X, target, name, self.C, bar)
            full = np.zeros(X.shape[1])
            full[read] = coef
            return full, intercept, calibration

        heads = []
        for j, label in enumerate(self.labels):
            direction = actors is not None and direction_bloc(label, actors.dictionary) is not None
            heads.append(fit_head(np.ones(X.shape[1], bool) if direction else without_actors, y[:, j], label))
        self.coef = np.asarray([h[0] for h in heads], dtype=np.float32).T.copy()
        self.intercept = np.asarray([h[1] for h in heads], dtype=np.float64)
        self.calibration = np.asarray([h[2] for h in heads], dtype=np.float64)
        self.gate = None
        if not relevant.all():
            coef, intercept, calibration = fit_head(without_encoder, relevant.astype(int), "relevance")
            self.gate = Gate(coef, intercept, np.asarray(calibration), 0.5)
        bar.close()
        self.thresholds = np.full(len(self.labels), 0.5)
        self.card = {}  # a card describes one training run; belclf.train writes it
        if dev_texts is not None and dev_y is not None and len(dev_texts):
            probabilities, relevance = self._scores(self._prepare(_check_texts(dev_texts)))
            dev_y = np.asarray(dev_y, dtype=bool)
            dev_relevant = np.ones(len(dev_y), bool) if dev_relevant is None else np.asarray(dev_relevant, bool)
            # label thresholds on the texts the labels are about; the gate handles the rest
            self.thresholds = np.array([best_threshold(probabilities[dev_relevant, j], dev_y[dev_relevant, j])
                                        for j in range(len(self.labels))])
            if self.gate is not None and not dev_relevant.all():
                self.gate.threshold = 1.0 - best_threshold(1.0 - relevance, ~dev_relevant)
        self._show_progress(False)
        return self

    def _show_progress(self, on: bool) -> None:
        """Turn the encoder's progress bar on or off (on while training, off for predictions)."""
        for feature in self.features:
            if feature.kind == "transformer":
                feature.progress = on

    def _check_languages(self, texts: Sequence[str], prepared: Sequence[str]) -> None:
        """Refuse training texts mostly in languages the model would then refuse to label."""
        if self.languages is None:
            return
        found = [l for l in self._languages(texts, prepared) if l is not None]
        others = [l for l in found if l not in self.languages]
        if 2 * len(others) > len(found):
            common = max(set(others), key=others.count)
            raise ValueError(f"{len(others)} of {len(found)} training texts are not in {list(self.languages)} "
                             f"(most often {common!r}): the model would label none of them; pass "
                             f"languages=[{common!r}] (CLI: --languages {common}), or None to read any language")

    # ----------------------------------------------------------------- predicting
    def _scores(self, prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Label probabilities (texts x labels) and, with a gate, relevance probabilities.

        Without an encoder (which has threads of its own), texts are read in chunks of about 256K
        characters (which bounds memory), on up to ``n_threads()`` threads: the features' numpy
        work runs outside Python's GIL. A text's scores do not depend on the texts read with it.
        """
        chunks = self._chunks(prepared)
        if len(chunks) <= 1:
            return self._scores_serial(prepared)
        threads = min(n_threads(), len(chunks))
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as pool:
                parts = list(pool.map(self._scores_serial, chunks))
        else:
            parts = [self._scores_serial(chunk) for chunk in chunks]
        relevance = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
        return np.concatenate([p[0] for p in parts]), relevance

    def _chunks(self, prepared: Sequence[str]) -> list[Sequence[str]]:
        """Texts to featurise together: all of them for an encoder (which batches and threads on
        its own), otherwise runs of about ``_CHUNK_CHARACTERS`` characters."""
        if any(f.kind in ("transformer", "static") for f in self.features):
            return [prepared]
        return _chunks(prepared, _CHUNK_CHARACTERS)

    def _scores_serial(self, prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        blocks = self._blocks(prepared)
        probabilities = _sigmoid(_linear(blocks, self.coef, self.intercept) * self.calibration[:, 0]
                                 + self.calibration[:, 1])
        return probabilities, (self.gate.probability(blocks) if self.gate is not None else None)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Label probabilities, shape (texts, labels), before the relevance gate."""
        self._check_fitted()
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self._scores(self._prepare(texts))[0]

    def predict_relevance(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is relevant (about Belarus for the bundled models); 1.0 without a gate."""
        self._check_fitted()
        texts = _check_texts(texts)
        if self.gate is None or not texts:
            return np.ones(len(texts))
        return self._scores(self._prepare(texts))[1]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """0/1 matrix (texts x labels): each probability against its label's threshold, and
        no label at all for a text below the relevance gate's threshold or in a language the
        model does not read (see ``languages``): the same labels as ``classify_many``."""
        return self._predict(texts)[0]

    def _predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """``predict`` and the relevance behind it, from one pass over the texts."""
        self._check_fitted()
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=int), None if self.gate is None else np.zeros(0)
        prepared = self._prepare(texts)
        probabilities, relevance = self._scores(prepared)
        return self._decide(probabilities, relevance, self._languages(texts, prepared)).astype(int), relevance

    @staticmethod
    def _languages(texts: Sequence[str], prepared: Sequence[str]) -> list[str | None]:
        """The language of each text as given (of a page's main text for HTML; None where it
        cannot be told). Not of the cleaned text: cleaning drops Cyrillic lines as credits."""
        from .clean import looks_like_html
        from .language import detect_language

        return [detect_language(p if looks_like_html(t) else t) for t, p in zip(texts, prepared)]

    def _unreadable(self, language: str | None) -> bool:
        return self.languages is not None and language is not None and language not in self.languages

    def _decide(self, probabilities: np.ndarray, relevance: np.ndarray | None,
                languages: Sequence[str | None]) -> np.ndarray:
        """Labels kept: score at least the threshold, relevant, and in a language the model reads."""
        chosen = probabilities >= self.thresholds
        if relevance is not None:
            chosen &= (relevance >= self.gate.threshold)[:, None]
        chosen &= ~np.array([self._unreadable(l) for l in languages], dtype=bool)[:, None]
        return chosen

    def classify(self, text: str, explain: bool = False) -> Prediction:
        """Labels, scores, relevance and (with ``explain``) evidence sentences for one text."""
        return self.classify_many([text], explain=explain)[0]

    def classify_many(self, texts: Sequence[str], batch_size: int = 512, explain: bool = False) -> list[Prediction]:
        """``classify`` for many texts, featurised in batches of ``batch_size``."""
        self._check_fitted()
        texts = _check_texts(texts)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out: list[Prediction] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            prepared = self._prepare(batch)
            probabilities, relevance = self._scores(prepared)
            languages = self._languages(batch, prepared)
            chosen = self._decide(probabilities, relevance, languages)
            for i, (text, row) in enumerate(zip(prepared, probabilities)):
                labels = [l for l, keep in zip(self.labels, chosen[i]) if keep]
                evidence = self._evidence(text, labels) if explain else None
                actors = self._actors(text, labels) if explain else None
                note = None
                if self._unreadable(languages[i]):
                    note = (f"written in {languages[i]!r}; this model reads {', '.join(self.languages)} only, "
                            "so it gives no labels (the scores are shown but mean little)")
                out.append(Prediction(labels, dict(zip(self.labels, map(float, row))), evidence,
                                      None if relevance is None else float(relevance[i]), actors,
                                      languages[i], note))
        return out

    def _actors(self, text: str, labels: list[str]) -> dict[str, list[str]] | None:
        """For each predicted direction, the names of its side's actors in the text."""
        feature = self._actor_block()
        if feature is None:
            return None
        from .actors import direction_bloc

        mentions = feature.dictionary.find(text)
        out = {}
        for label in labels:
            bloc = direction_bloc(label, feature.dictionary)
            if bloc is not None:
                out[label] = list(dict.fromkeys(m.name for m in mentions if m.bloc == bloc))
        return out

    def _evidence(self, text: str, labels: list[str], top: int = 3) -> dict[str, list[Evidence]]:
        """For each predicted label, up to ``top`` sentences scored alone by the model."""
        parts = sentences(text)
        if not labels or not parts:
            return {label: [] for label in labels}
        probabilities = self._scores(parts)[0]
        evidence = {}
        for label in labels:
            column = probabilities[:, list(self.labels).index(label)]
            best = np.argsort(-column, kind="stable")[:top]
            evidence[label] = [Evidence(parts[i], float(column[i])) for i in best]
        return evidence

    # ----------------------------------------------------------------- saving
    def saved_params(self) -> dict[str, Any]:
        """The parameters a saved model and its card record: all but ``labels`` (saved on their
        own) and ``embedding`` (an object, saved with the features)."""
        return {k: v for k, v in self.get_params().items() if k not in ("labels", "embedding")}

    def _split_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted state as (JSON-ready dict, named arrays)."""
        arrays = {name: np.ascontiguousarray(getattr(self, name)) for name in _HEAD_ARRAYS}
        features = []
        for i, feature in enumerate(self.features):
            described = {}
            for key, value in feature.state().items():
                if isinstance(value, np.ndarray):
                    arrays[f"features.{i}.{key}"] = np.ascontiguousarray(value)
                else:
                    described[key] = value
            features.append(described)
        gate = None
        if self.gate is not None:
            arrays.update({"gate.coef": self.gate.coef, "gate.calibration": self.gate.calibration})
            gate = {"intercept": self.gate.intercept, "threshold": self.gate.threshold}
        return {"format": FORMAT_VERSION, "labels": list(self.labels), "params": self.saved_params(),
                "features": features, "gate": gate}, arrays

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to directory ``path``: arrays, state, card and a SHA-256 manifest.

        Files go to a temporary directory first and replace ``path`` only when complete,
        so a failure leaves an earlier model at ``path`` untouched.
        """
        from safetensors.numpy import save_file

        if not self.__sklearn_is_fitted__():
            raise ModelError("cannot save a classifier that has not been fitted")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        try:
            _apply_umask(tmp, 0o777)  # mkdtemp makes it private; a model folder is shared like any other
            state, arrays = self._split_state()
            save_file(arrays, str(tmp / ARRAYS_FILE))
            _write_json(tmp / STATE_FILE, state, indent=None)
            card = dict(self.card, labels=list(self.labels),
                        thresholds={l: round(float(t), 6) for l, t in zip(self.labels, self.thresholds)})
            _write_json(tmp / CARD_FILE, card, indent=2)
            manifest = {name: _sha256(tmp / name) for name in (ARRAYS_FILE, STATE_FILE, CARD_FILE)}
            _write_json(tmp / MANIFEST_FILE, manifest, indent=2)
            for name in (ARRAYS_FILE, STATE_FILE, CARD_FILE, MANIFEST_FILE):
                _apply_umask(tmp / name, 0o666)
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                path.rename(old)
                tmp.rename(path)
                shutil.rmtree(old)
            else:
                tmp.rename(path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, trust: bool = False) -> "Classifier":
        """Load a model saved with ``save``, refusing files that do not match the manifest.

        Loading reads JSON and safetensors only: nothing in the folder can run code. A model
        saved by belclf 0.1 (a pickled ``model.joblib``) is refused unless ``trust=True``,
        which unpickles it (only for files you made yourself); ``save`` then writes the new format.
        """
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        path = Path(path)
        if (path / LEGACY_FILE).is_file() and not (path / STATE_FILE).is_file():
            if not trust:
                raise ModelError(
                    f"{path} holds a belclf 0.1 model ({LEGACY_FILE}, a pickle, which can run code when loaded). "
                    "Retrain it with `belclf train`, or, if you made it yourself, convert it once with "
                    "belclf.Classifier.load(path, trust=True).save(new_path)"
                )
            return cls._load_legacy(path)
        manifest_path = path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise ModelError(f"{path} is not a belclf model: {MANIFEST_FILE} is missing")
        manifest = _read_json(manifest_path)
        for name in (ARRAYS_FILE, STATE_FILE, CARD_FILE):
            if not (path / name).is_file():
                raise ModelError(f"{path}: {name} is missing")
            if _sha256(path / name) != manifest.get(name):
                raise ModelError(f"{path / name} does not match the SHA-256 in {MANIFEST_FILE}: the file was "
                                 "changed or damaged after the model was saved; refusing to load it")
        state = _read_json(path / STATE_FILE)
        if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
            raise ModelError(f"{path}: model format {state.get('format') if isinstance(state, dict) else '?'} "
                             f"is not supported by this belclf (it reads format {FORMAT_VERSION})")
        try:
            arrays = load_file(str(path / ARRAYS_FILE))
            model = cls(state["labels"], **state["params"])
            features = []
            for i, described in enumerate(state["features"]):
                prefix = f"features.{i}."
                own = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
                features.append(from_state({**described, **own}))
            model.features = features
            model.coef, model.intercept = arrays["coef"], arrays["intercept"]
            model.calibration, model.thresholds = arrays["calibration"], arrays["thresholds"]
            model.gate = None
            if state.get("gate"):
                gate = state["gate"]
                model.gate = Gate(arrays["gate.coef"], gate["intercept"], arrays["gate.calibration"], gate["threshold"])
                if len(model.gate.coef) != model.coef.shape[0]:
                    raise ValueError("the relevance gate does not match the features")
        except (SafetensorError, KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: the model files are inconsistent ({type(exc).__name__}: {exc})") from exc
        if model.coef.shape[1] != len(model.labels) or model.coef.shape[0] != sum(f.dim for f in features):
            raise ModelError(f"{path}: coefficient shape {model.coef.shape} does not match the features and labels")
        model.card = _read_json(path / CARD_FILE)
        return model

    @classmethod
    def _load_legacy(cls, path: Path) -> "Classifier":
        """A belclf 0.1 model (pickled state): only reached with ``trust=True``."""
        joblib = require("joblib", "train", "Converting a belclf 0.1 model")
        state = joblib.load(path / LEGACY_FILE)
        model = cls(state["labels"], **state["params"])
        for feature_state in state["features"]:
            if feature_state["kind"] == "tfidf":  # 0.1 stored the term -> column dict
                vocabulary = feature_state.pop("vocabulary")
                feature_state["terms"] = sorted(vocabulary, key=vocabulary.__getitem__)
        model.features = [from_state(s) for s in state["features"]]
        model.coef, model.intercept = state["coef"], state["intercept"]
        model.calibration, model.thresholds = state["calibration"], state["thresholds"]
        model.gate = None
        card_path = path / CARD_FILE
        model.card = _read_json(card_path) if card_path.is_file() else {}
        return model

    def __repr__(self) -> str:
        return f"Classifier(backend={self.backend!r}, labels={self.labels})"


def n_threads() -> int:
    """Threads belclf's default tier reads with: ``$BELCLF_THREADS``, else every CPU this process may use."""
    value = os.environ.get("BELCLF_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"BELCLF_THREADS must be a whole number of at least 1, not {value!r}")
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_CHUNK_CHARACTERS = 1 << 18  # a chunk's arrays take about 40 bytes a character: two threads' chunks, ~20 MB


def _chunks(texts: Sequence[str], characters: int) -> list[Sequence[str]]:
    """``texts`` cut in order into runs of at most ``characters`` characters (or of one text)."""
    chunks, start, size = [], 0, 0
    for i, text in enumerate(texts):
        if size and size + len(text) > characters:
            chunks.append(texts[start:i])
            start, size = i, 0
        size += len(text) + 1
    return chunks + [texts[start:]] if start < len(texts) else chunks


def _linear(blocks: list[Any], coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """intercept + [blocks side by side] @ coef, without stacking the blocks (texts x columns of coef)."""
    scores = np.tile(intercept, (blocks[0].shape[0], 1)).astype(np.float64)
    start = 0
    for block in blocks:
        scores += np.asarray(block @ coef[start : start + block.shape[1]])
        start += block.shape[1]
    return scores


def _apply_umask(path: Path, mode: int) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def _write_json(path: Path, value: Any, indent: int | None) -> None:
    path.write_text(json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str (use classify for one text)")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {i} is {type(text).__name__}, not str")
    return texts
