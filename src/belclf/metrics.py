"""Per-label precision, recall and F1, with micro and macro averages."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def evaluate(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str], mask: np.ndarray | None = None) -> dict:
    """Scores of 0/1 predictions against 0/1 truth (rows x labels).

    ``mask`` (same shape, 0/1) leaves out the cells marked 0, e.g. labels a gold set calls
    uncertain. Macro F1 averages the labels that have any positive in truth or prediction.
    """
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    mask = np.ones_like(y_true) if mask is None else np.asarray(mask, bool)
    per_label, f1s = {}, []
    totals = np.zeros(3)
    for j, label in enumerate(labels):
        t, p = y_true[mask[:, j], j], y_pred[mask[:, j], j]
        tp, fp, fn = float(np.sum(t & p)), float(np.sum(~t & p)), float(np.sum(t & ~p))
        totals += (tp, fp, fn)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": int(t.sum())}
        if tp + fp + fn:
            f1s.append(f1)
    tp, fp, fn = totals
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"labels": per_label, "micro_f1": micro, "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
            "n": int(len(y_true))}


def format_report(report: dict) -> str:
    """The report of ``evaluate`` as a plain-text table."""
    lines = [f"{'label':<16}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    for label, m in report["labels"].items():
        lines.append(f"{label:<16}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{m['support']:>9}")
    lines.append(f"{'micro F1':<16}{report['micro_f1']:>34.3f}")
    lines.append(f"{'macro F1':<16}{report['macro_f1']:>34.3f}")
    return "\n".join(lines)


def relevance_report(relevance: np.ndarray, truth: np.ndarray, threshold: float) -> dict:
    """How the relevance gate sorts texts: irrelevant ones let through, relevant ones withheld."""
    truth, passed = np.asarray(truth, bool), np.asarray(relevance) >= threshold
    return {"irrelevant": int((~truth).sum()), "irrelevant_passed": int((passed & ~truth).sum()),
            "relevant": int(truth.sum()), "relevant_withheld": int((~passed & truth).sum())}
