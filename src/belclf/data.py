"""Loading and checking labelled training data."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from . import tables

SPLITS = ("train", "dev", "test")


class DataError(ValueError):
    """Training data that cannot be used; the message names the file and row."""


class ColumnError(DataError, tables.ColumnError):
    """A text or label column that is not in the data (the message lists the columns found)."""


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "": None}


def rows_of(source: Any) -> tuple[str, list[str], list[dict]]:
    """``(name, columns, rows)`` of training data: a table path (see ``belclf.tables``), a ``datasets``
    dataset, a pandas ``DataFrame`` or a list of dicts (one per row).

    A ``DatasetDict`` is flattened, its split names going to a ``split`` column.
    """
    if hasattr(source, "column_names") and hasattr(source, "to_list"):  # a datasets.Dataset
        return "dataset", list(source.column_names), source.to_list()
    if hasattr(source, "column_names") and isinstance(source.column_names, dict):  # a datasets.DatasetDict
        rows = [row if "split" in row else {**row, "split": name} for name, part in source.items()
                for row in part.to_list()]
        return "dataset", list(dict.fromkeys(c for cs in source.column_names.values() for c in cs + ["split"])), rows
    if type(source).__module__.split(".")[0] == "pandas" and hasattr(source, "columns"):  # a DataFrame
        return "DataFrame", [str(c) for c in source.columns], source.to_dict("records")
    if isinstance(source, (list, tuple)):  # rows held in memory, one dict each
        bad = next((i for i, row in enumerate(source) if not isinstance(row, Mapping)), None)
        if bad is not None:
            raise DataError(f"row {bad + 1}: a {type(source[bad]).__name__}, not a dict such as "
                            '{"text": "...", "labels": ["..."]}')
        return "in-memory data", list(dict.fromkeys(key for row in source for key in row)), [dict(r) for r in source]
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"expected a path, a datasets dataset, a pandas DataFrame or a list of dicts, "
                        f"got {type(source).__name__}")
    try:
        columns, rows = tables.read_table(source)
    except (ValueError, FileNotFoundError) as exc:
        raise DataError(str(exc)) from exc
    return str(source), columns, rows


@dataclass
class LabelledData:
    """Texts, their 0/1 label matrix and split names, checked and ready to train on."""

    texts: list[str]
    y: np.ndarray
    labels: list[str]
    splits: list[str]
    source: str
    sha256: str
    relevant: np.ndarray  # one bool per text: False for texts outside the labels' subject

    def part(self, split: str) -> tuple[list[str], np.ndarray]:
        rows = [i for i, s in enumerate(self.splits) if s == split]
        return [self.texts[i] for i in rows], self.y[rows]

    def relevant_part(self, split: str) -> np.ndarray:
        return self.relevant[[i for i, s in enumerate(self.splits) if s == split]]

    def counts(self) -> dict[str, dict[str, int]]:
        """Positives of each label in each split, and each split's size under ``_total``."""
        out = {}
        for split in SPLITS:
            _, y = self.part(split)
            out[split] = {"_total": int(len(y)), **{l: int(y[:, j].sum()) for j, l in enumerate(self.labels)}}
            if not self.relevant.all():
                out[split]["_not_relevant"] = int((~self.relevant_part(split)).sum())
        return out


def _parse_labels(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # CSV: "economy;energy"
        value = [v.strip() for v in value.split(";")] if value.strip() else []
    if not isinstance(value, (list, tuple)):
        raise DataError(f"{where}: labels must be a list or a ';'-separated string, not {type(value).__name__}")
    for label in value:
        if not isinstance(label, str) or not label.strip():
            raise DataError(f"{where}: malformed label {label!r}")
    return [v.strip() for v in value]


def _row_name(source: str, i: int) -> str:
    return f"{source}: row {i + 1}"


def load_labelled(
    source: Any,
    labels: Sequence[str] | None = None,
    text_column: str = "text",
    label_column: str = "labels",
    min_positives: int = 5,
    dev_size: float = 0.15,
    test_size: float = 0.15,
    seed: int = 0,
    check_splits: bool = True,
    relevance_column: str = "about_belarus",
) -> LabelledData:
    """Read and check training data.

    Args:
        source: a path or a ``datasets`` dataset with a text column and a label column
            (a list of names, or a ``;``-separated string) and optionally a ``split`` column
            (train/dev/test). Without one, a seeded split stratified by label is made.
        labels: the labels to learn; a label in the data outside this list is an error.
            Default: every label that occurs in the data, sorted.
        min_positives: each label needs at least this many positive texts in the training split.
        check_splits: refuse a text that appears in two splits (off when only evaluating).
        relevance_column: an optional column of true/false: false marks a text outside the
            labels' subject (not about Belarus), which trains the relevance gate. Missing: all true.

    Raises:
        DataError: naming the file and row of the first problem.
    """
    name, columns, rows = rows_of(source)
    options = {"--text-column": text_column, "--label-column": label_column}
    try:
        tables.require_columns(name, columns, options)
    except tables.ColumnError as exc:
        raise ColumnError(str(exc)) from exc
    texts, row_labels = [], []
    for i, (text, value) in enumerate((row.get(text_column), row.get(label_column)) for row in rows):
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{_row_name(name, i)}: missing or empty text")
        texts.append(text)
        row_labels.append(_parse_labels(value, _row_name(name, i)))
    if not texts:
        raise DataError(f"{name}: no rows")
    if labels is None:
        labels = sorted({l for ls in row_labels for l in ls})
        if not labels:
            raise DataError(f"{name}: no row has any label")
    labels = list(labels)
    for i, ls in enumerate(row_labels):
        unknown = [l for l in ls if l not in labels]
        if unknown:
            raise DataError(f"{_row_name(name, i)}: unknown label(s) {unknown}; expected some of {labels}")
    y = np.array([[int(l in ls) for l in labels] for ls in row_labels], dtype=int)
    relevant = np.ones(len(texts), dtype=bool)
    if relevance_column in columns:
        for i, value in enumerate(row.get(relevance_column) for row in rows):
            value = _BOOLEANS.get(value.strip().lower(), value) if isinstance(value, str) else value  # CSV: text
            if value not in (True, False, None):
                raise DataError(f"{_row_name(name, i)}: {relevance_column} must be true or false, not {value!r}")
            relevant[i] = value is not False

    keys = [text_key(t) for t in texts]
    if "split" in columns:
        splits = [str(row.get("split")) for row in rows]
        for i, s in enumerate(splits):
            if s not in SPLITS:
                raise DataError(f"{_row_name(name, i)}: split {s!r} is not one of {SPLITS}")
    else:
        strata = y if relevant.all() else np.column_stack([y, ~relevant])  # irrelevant texts spread too
        splits = stratified_split(strata, dev_size, test_size, seed, groups=keys)

    if check_splits:  # copies of a text must agree on labels and share a split
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            j = first.setdefault(key, i)
            if not np.array_equal(y[i], y[j]):
                raise DataError(f"{_row_name(name, i)}: the same text as row {j + 1} with other labels "
                                f"({row_labels[i]} here, {row_labels[j]} there); keep one of them or make them agree")
            if splits[i] != splits[j]:
                raise DataError(f"{_row_name(name, i)}: the same text as row {j + 1}, which is in {splits[j]!r} and "
                                f"this in {splits[i]!r}; a text in two splits makes the evaluation dishonest")

    train_y = y[[i for i, s in enumerate(splits) if s == "train"]]
    for j, label in enumerate(labels):
        if train_y[:, j].sum() < min_positives:
            raise DataError(f"{name}: label {label!r} has {int(train_y[:, j].sum())} positive training rows; "
                            f"at least {min_positives} are needed")
    fingerprint = [texts, y.tolist(), splits, labels] + ([] if relevant.all() else [relevant.tolist()])
    digest = hashlib.sha256(json.dumps(fingerprint).encode("utf-8")).hexdigest()
    return LabelledData(texts, y, labels, splits, name, digest, relevant)


def text_key(text: str) -> str:
    """What makes two texts the same text: case and whitespace are ignored."""
    return " ".join(text.lower().split())


def stratified_split(
    y: np.ndarray, dev_size: float = 0.15, test_size: float = 0.15, seed: int = 0,
    groups: Sequence[Any] | None = None,
) -> list[str]:
    """Seeded train/dev/test names for rows of a 0/1 label matrix, stratified by label.

    Rows are grouped by their rarest label (or "none") and each group is dealt out in
    proportion, so every label keeps its share in every split. Rows with equal ``groups``
    values (e.g. copies of one text) are dealt as one and always share a split.
    """
    rng = np.random.default_rng(seed)
    groups = list(range(len(y))) if groups is None else list(groups)
    members: dict[Any, list[int]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group, []).append(i)
    units = list(members.values())  # in order of first appearance: deterministic
    frequency = y.sum(axis=0)
    keys = [int(np.argmin(np.where(y[u[0]] > 0, frequency, np.inf))) if y[u[0]].any() else -1 for u in units]
    splits = ["train"] * len(y)
    for key in sorted(set(keys)):
        chosen = [u for u, k in zip(units, keys) if k == key]
        order = list(range(len(chosen)))
        rng.shuffle(order)
        n_test, n_dev = round(len(chosen) * test_size), round(len(chosen) * dev_size)
        for rank, index in enumerate(order):
            name = "test" if rank < n_test else "dev" if rank < n_test + n_dev else "train"
            for i in chosen[index]:
                splits[i] = name
    return splits
