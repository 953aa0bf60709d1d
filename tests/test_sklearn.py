"""belclf.Classifier as a scikit-learn estimator: clone, get/set_params, GridSearchCV, cross_val_score."""
from __future__ import annotations

import json
import pickle
import random
import warnings

import numpy as np
import pytest

import belclf
from belclf.model import NotFittedError

from conftest import ROOT

sklearn = pytest.importorskip("sklearn", reason="the estimator contract is tested with belclf[train] (scikit-learn)")
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils import estimator_checks  # noqa: E402

# scikit-learn's common checks that run here: they test the constructor, parameters, tags and
# repr, which do not depend on the input. The last six return at once for this estimator (it
# has no 2-D input, sample_weight, partial_fit, max_iter, decision_function or scikit-learn
# mixin), so they pass without testing anything yet; they will once it has one.
RUN = [
    "check_estimator_cloneable", "check_estimator_tags_renamed", "check_valid_tag_types", "check_estimator_repr",
    "check_no_attributes_set_in_init", "check_do_not_raise_errors_in_init_or_set_params",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_n_features_in_after_fitting", "check_classifiers_one_label_sample_weights",
    "check_estimators_partial_fit_n_features", "check_non_transformer_estimators_n_iter",
    "check_decision_proba_consistency", "check_mixin_order",
]
# The checks that make up their own data: numeric arrays (make_blobs, iris, random floats, sparse
# matrices) with a 1-D class vector. A Classifier reads texts and a 0/1 matrix and refuses
# anything else with a TypeError or ValueError, so these cannot run on it. The behaviour most of
# them guard is tested on texts below (test_the_data_checks_on_texts).
NUMERIC = "fits or predicts on numeric arrays made by the check; belclf reads texts"
SKIPPED = {name: NUMERIC for name in [
    "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_positive_only_tag_during_fit", "check_estimators_dtypes",
    "check_complex_data", "check_dtype_object", "check_estimators_empty_data_messages",
    "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_classifier_data_not_an_array", "check_classifiers_one_label",
    "check_classifiers_classes", "check_classifier_multioutput", "check_classifiers_train",
    "check_classifiers_regression_target", "check_classifiers_multilabel_representation_invariance",
    "check_classifiers_multilabel_output_format_predict", "check_classifiers_multilabel_output_format_predict_proba",
    "check_classifiers_multilabel_output_format_decision_function", "check_supervised_y_no_nan",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_1sample",
    "check_fit2d_1feature", "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit1d", "check_fit2d_predict1d", "check_requires_y_none",
]}
SKIPPED.update({
    "check_estimator_sparse_tag": NUMERIC + " (sparse matrices)",
    "check_estimator_sparse_array": NUMERIC + " (sparse arrays)",
    "check_estimator_sparse_matrix": NUMERIC + " (sparse matrices)",
    "check_array_api_input": NUMERIC + " (array API namespaces)",
    "check_classifier_not_supporting_multiclass": NUMERIC + ", with a 1-D multiclass target; a multiclass y is "
                                                  "refused by belclf too (y must be a 0/1 matrix)",
    "check_dont_overwrite_parameters": NUMERIC + "; it would also fail: the fitted state keeps its documented "
                                       "names without a trailing underscore (coef, thresholds, gate, card)",
    "check_estimators_unfitted": "wants scikit-learn's own NotFittedError class; belclf raises its own "
                                 "(a ValueError and AttributeError, as scikit-learn's is) so that inference "
                                 "never imports scikit-learn; sklearn's check_is_fitted works (tested below)",
})


def _name(check) -> str:
    return getattr(check, "func", check).__name__


def test_every_common_check_is_run_or_skipped_with_a_reason():
    class AsIfArrays(belclf.Classifier):
        """The same estimator declaring 2-D input, so that scikit-learn lists every check it has."""

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.two_d_array = True
            return tags

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        listed = {_name(c) for c in estimator_checks._yield_all_checks(AsIfArrays(), legacy=True)}
    listed.add("check_estimator_cloneable")  # check_estimator runs it before the others
    assert not set(RUN) & set(SKIPPED)
    assert listed == set(RUN) | set(SKIPPED), "classify each new scikit-learn check: run it or say why not"


@pytest.mark.parametrize("name", RUN)
def test_scikit_learn_common_check(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "does not inherit from BaseEstimator": by design, see model.py
        getattr(estimator_checks, name)("Classifier", belclf.Classifier())


@pytest.fixture(scope="module")
def corpus():
    """300 training documents of the corpus, in a seeded random order (the file is sorted by label)."""
    docs = [json.loads(line) for line in (ROOT / "training/data/corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    random.Random(0).shuffle(docs)
    docs = [d for d in docs if d["split"] == "train"][:300]
    return [d["text"] for d in docs], np.array([[int(l in d["labels"]) for l in belclf.LABELS] for d in docs])


def test_the_estimator_contract():
    clf = belclf.Classifier(labels=["a", "b"], C=3.0)
    assert is_classifier(clf)
    params = clf.get_params()
    assert params["labels"] is clf.labels and params["C"] == 3.0 and set(params) == set(clf.get_params(deep=False))
    assert clf.set_params(C=0.5, backend="tfidf+static") is clf and clf.C == 0.5 and clf.backend == "tfidf+static"
    copy = clone(clf)
    assert copy is not clf and copy.get_params() == clf.get_params()
    with pytest.raises(ValueError, match="invalid parameter 'gamma'.*valid parameters: labels, backend, C"):
        clf.set_params(gamma=1)
    # a bad value is kept as given and refused by fit, as in scikit-learn
    for bad, message in [({"backend": "tfidf+bert"}, "backend must join"), ({"labels": ["a", "a"]}, "distinct"),
                         ({"labels": "ab"}, "labels must be a sequence"), ({"C": 0}, "C must be a positive number")]:
        with pytest.raises(ValueError, match=message):
            clone(clf).set_params(**bad).fit(["x", "y"], [[0, 1], [1, 0]])


def test_the_data_checks_on_texts(corpus):
    """What scikit-learn's data checks guard, on texts: fit returns self and leaves its
    parameters alone, refits give the same model, predictions do not depend on the other
    texts of the batch or their order, pickling keeps predictions, bad input is refused."""
    texts, y = corpus[0][:120], corpus[1][:120]
    clf = belclf.Classifier(seed=3)
    with pytest.raises(NotFittedError, match="not fitted"):
        clf.predict(texts)
    from sklearn.utils.validation import check_is_fitted

    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(clf)
    before = pickle.dumps(clf.get_params())
    assert clf.fit(texts, y) is clf
    check_is_fitted(clf)
    assert pickle.dumps(clf.get_params()) == before
    probabilities, predicted = clf.predict_proba(texts), clf.predict(texts)
    assert probabilities.shape == predicted.shape == y.shape and predicted.dtype.kind == "i"
    assert ((probabilities >= 0) & (probabilities <= 1)).all() and set(np.unique(predicted)) <= {0, 1}
    assert np.allclose(clone(clf).fit(texts, y).predict_proba(texts), probabilities, rtol=0, atol=1e-9)
    assert np.allclose(clf.fit(texts, y).predict_proba(texts), probabilities, rtol=0, atol=1e-9)  # idempotent
    order = np.random.RandomState(0).permutation(len(texts))
    assert np.allclose(clf.predict_proba([texts[i] for i in order]), probabilities[order], rtol=0, atol=1e-9)
    assert np.allclose(clf.predict_proba(texts[:7]), probabilities[:7], rtol=0, atol=1e-9)
    assert np.array_equal(pickle.loads(pickle.dumps(clf)).predict(texts), predicted)
    assert np.array_equal(Pipeline([("classifier", clone(clf))]).fit(texts, y).predict(texts), predicted)
    assert clf.score(texts, y) == pytest.approx(belclf.metrics.evaluate(y, predicted, clf.labels)["macro_f1"], abs=1e-12)
    for bad_y in (y[:, :3], y[:-1], y * 0.5, np.where(y == 1, np.nan, 0)):
        with pytest.raises(ValueError, match="y must be a 0/1 matrix"):
            clone(clf).fit(texts, bad_y)
    with pytest.raises(TypeError, match="text 0 is ndarray, not str"):
        clone(clf).fit(np.zeros((120, 3)), y)
    with pytest.raises(ValueError, match="fit needs texts"):
        clone(clf).fit([], np.zeros((0, 6)))


def test_grid_search_over_C_and_backend_and_cross_val_score(corpus):
    texts, y = corpus
    folds = KFold(3)
    search = GridSearchCV(belclf.Classifier(), {"C": [1.0, 10.0], "backend": ["tfidf", "tfidf+static"]}, cv=folds)
    search.fit(texts, y)
    assert len(search.cv_results_["params"]) == 4 and np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == search.cv_results_["params"][best]
    # the refitted best model is a usable Classifier with the chosen parameters
    assert isinstance(search.best_estimator_, belclf.Classifier)
    assert {k: search.best_estimator_.get_params()[k] for k in ("C", "backend")} == search.best_params_
    assert search.predict(texts[:5]).shape == (5, 6)
    # 300 documents of six labels: every candidate does far better than chance (macro F1 ~0.3)
    assert search.cv_results_["mean_test_score"].min() > 0.7
    scores = cross_val_score(belclf.Classifier(**search.best_params_), texts, y, cv=folds)
    assert np.allclose(scores, [search.cv_results_[f"split{i}_test_score"][best] for i in range(3)], rtol=0, atol=1e-9)
    # scikit-learn's scorers work too (they read classes_): its macro F1 is the same number here,
    # where every label occurs in every fold; ROC AUC reads predict_proba
    other = cross_validate(belclf.Classifier(**search.best_params_), texts, y, cv=folds,
                           scoring=["f1_macro", "roc_auc", "accuracy"], error_score="raise")
    assert np.allclose(other["test_f1_macro"], scores, rtol=0, atol=1e-9)
    assert (other["test_roc_auc"] > 0.9).all() and (other["test_accuracy"] < other["test_f1_macro"]).all()
