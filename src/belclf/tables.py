"""Reading and writing tables: JSONL, CSV, Parquet and ``datasets`` folders (``save_to_disk``).

Every command that reads or writes a table (``label``, ``report``, ``train``, ``evaluate``)
goes through this module, so a table written by one is read the same way by the others.
The format is chosen by the suffix (a folder is a saved dataset). The optional libraries
a format needs (pyarrow, datasets) are checked by ``check_format`` before any work starts.
Blank JSONL lines are skipped; a JSONL line that is not a JSON object becomes a ``BadRow``.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

from ._optional import require

READ_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
WRITE_SUFFIXES = (".jsonl", ".csv", ".parquet")
_SAMPLE_ROWS = 1000  # JSONL has no header: its columns are the keys of the first rows

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a saved page in one cell exceeds csv's 128 KB default


class ColumnError(ValueError):
    """A column asked for is not in the table (a usage error: the message lists the columns found)."""


class InputWarning(UserWarning):
    """A problem with the input that does not stop the work (no rows, ids that repeat)."""


class BadRow(ValueError):
    """A row that cannot be read (a JSONL line that is not a JSON object)."""


def is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and ((path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists())


def table_format(path: str | os.PathLike, write: bool = False) -> str:
    """``jsonl``, ``json``, ``csv``, ``parquet`` or ``dataset`` (a folder saved by ``datasets``)."""
    path = Path(path)
    if not write and is_dataset_dir(path):
        return "dataset"
    if write and not path.suffix:  # an output folder: a dataset, saved with save_to_disk
        return "dataset"
    suffixes = WRITE_SUFFIXES if write else READ_SUFFIXES
    if path.suffix.lower() not in suffixes:
        what = "an output table" if write else "a table"
        extra = ", or be a folder name (no suffix) for a saved dataset" if write else \
            " or a folder saved with datasets' save_to_disk"
        raise ValueError(f"{path}: unsupported format {path.suffix or 'without a suffix'}: {what} must end in "
                         f"{', '.join(suffixes)}{extra}")
    return path.suffix.lower()[1:]


def check_format(path: str | os.PathLike, write: bool = False) -> str:
    """The format of ``path``, after importing what it needs (raises ImportError saying what to install)."""
    fmt = table_format(path, write)
    if fmt == "parquet":
        require("pyarrow.parquet", "train", f"{'Writing' if write else 'Reading'} Parquet ({path})")
    elif fmt == "dataset":
        require("datasets", "train", f"{'Writing' if write else 'Reading'} a saved dataset ({path})")
    return fmt


# ------------------------------------------------------------------ reading
def _jsonl(path: Path) -> Iterator[dict | BadRow]:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield BadRow(f"line {number}: unreadable JSON ({exc})")
                continue
            yield record if isinstance(record, dict) else BadRow(f"line {number}: not a JSON object")


def _json(path: Path) -> Iterator[dict | BadRow]:
    with open(path, encoding="utf-8-sig") as handle:
        try:
            records = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not JSON ({exc}); for one object per line name the file .jsonl") from exc
    if not isinstance(records, list):
        raise ValueError(f"{path}: a .json table is a list of objects; for one object per line name the file .jsonl")
    for number, record in enumerate(records, start=1):
        yield record if isinstance(record, dict) else BadRow(f"item {number}: not a JSON object")


def _csv(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        try:
            yield from csv.DictReader(handle)
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc


def _parquet(path: Path) -> Iterator[dict]:
    pq = require("pyarrow.parquet", "train", "Reading Parquet")
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        yield from batch.to_pylist()


def _load_dataset(path: Path) -> Any:
    datasets = require("datasets", "train", "Reading a saved dataset")
    datasets.disable_progress_bars()
    return datasets.load_from_disk(str(path))


def _dataset(path: Path) -> Iterator[dict]:
    dataset = _load_dataset(path)
    if hasattr(dataset, "column_names") and isinstance(dataset.column_names, dict):  # a DatasetDict
        for split, part in dataset.items():  # the split names go to a ``split`` column
            for row in part:
                yield row if "split" in row else {**row, "split": split}
    else:
        yield from dataset


_READERS = {"jsonl": _jsonl, "json": _json, "csv": _csv, "parquet": _parquet, "dataset": _dataset}


def iter_table(path: str | os.PathLike) -> Iterator[dict | BadRow]:
    """Stream the rows of a table as dicts; a row that cannot be parsed comes as a ``BadRow``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    fmt = check_format(path)
    return _READERS[fmt](path)


def read_table(path: str | os.PathLike) -> tuple[list[str], list[dict]]:
    """The columns and rows of a table; a row that cannot be parsed raises ValueError naming it."""
    rows = []
    for row in iter_table(path):
        if isinstance(row, BadRow):
            raise ValueError(f"{path}: {row}")
        rows.append(row)
    return _columns_of(path, rows), rows


def columns(path: str | os.PathLike) -> list[str]:
    """The column names of a table, read cheaply (a header, a schema, or the first JSONL rows)."""
    path = Path(path)
    fmt = check_format(path)
    if fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    if fmt == "parquet":
        return list(require("pyarrow.parquet", "train", "Reading Parquet").read_schema(path).names)
    if fmt == "dataset":
        names = _load_dataset(path).column_names
        if isinstance(names, dict):  # a DatasetDict
            return list(dict.fromkeys([n for part in names.values() for n in part] + ["split"]))
        return list(names)
    sample = []
    for row in iter_table(path):
        if not isinstance(row, BadRow):
            sample.append(row)
        if len(sample) >= _SAMPLE_ROWS:
            break
    return _columns_of(path, sample)


def _columns_of(path: str | os.PathLike, rows: list[dict]) -> list[str]:
    if table_format(path) in ("jsonl", "json"):
        return list(dict.fromkeys(key for row in rows for key in row))
    return columns(path)


def count_rows(path: str | os.PathLike) -> int | None:
    """The number of rows when it is cheap to know (Parquet, saved datasets), else None."""
    fmt = check_format(path)
    if fmt == "parquet":
        return require("pyarrow.parquet", "train", "Reading Parquet").ParquetFile(path).metadata.num_rows
    if fmt == "dataset":
        dataset = _load_dataset(Path(path))
        return sum(dataset.num_rows.values()) if isinstance(dataset.num_rows, dict) else dataset.num_rows
    return None


def require_columns(path: str | os.PathLike, found: list[str], wanted: dict[str, str | None]) -> None:
    """Raise ColumnError for the first ``{option: column}`` not in ``found``, naming the option to pass."""
    for option, column in wanted.items():
        if column is not None and column not in found:
            raise ColumnError(f"{path}: no {column!r} column (columns found: {', '.join(found) or 'none'}); "
                              f"pass the right one with {option}")


# ------------------------------------------------------------------ writing
def write_table(path: str | os.PathLike, rows: Iterable[dict], schema: dict[str, type]) -> int:
    """Write flat ``rows`` to ``path`` (.jsonl, .csv, .parquet, or a folder without a suffix: a
    ``datasets`` dataset saved with ``save_to_disk``) atomically; returns the row count.

    ``schema`` maps each column to ``str`` or ``float``; CSV and Parquet get its header even
    with no rows. Missing values are written as empty cells (CSV) or nulls.
    """
    path = Path(path)
    fmt = check_format(path, write=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        if fmt == "dataset":
            import shutil

            datasets = require("datasets", "train", "Writing a saved dataset")
            datasets.disable_progress_bars()
            features = datasets.Features({name: datasets.Value("float64" if kind is float else "string")
                                          for name, kind in schema.items()})
            listed = [{name: row.get(name) for name in schema} for row in rows]
            n = len(listed)
            shutil.rmtree(tmp, ignore_errors=True)
            datasets.Dataset.from_list(listed, features=features).save_to_disk(str(tmp))
            if path.exists():  # the dataset replaces what was there, as the other formats do
                shutil.rmtree(path)
        elif fmt == "parquet":
            pa = require("pyarrow", "train", "Writing Parquet")
            pq = require("pyarrow.parquet", "train", "Writing Parquet")
            arrow = pa.schema([(name, pa.float64() if kind is float else pa.string()) for name, kind in schema.items()])
            with pq.ParquetWriter(tmp, arrow) as writer:
                batch: list[dict] = []
                for row in rows:
                    batch.append(row)
                    n += 1
                    if len(batch) >= 4096:
                        writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
                        batch.clear()
                writer.write_table(pa.Table.from_pylist(batch, schema=arrow))
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                if fmt == "csv":
                    writer = csv.DictWriter(handle, fieldnames=list(schema), extrasaction="ignore")
                    writer.writeheader()
                    write = writer.writerow
                else:
                    write = lambda row: handle.write(json.dumps(row, ensure_ascii=False) + "\n")  # noqa: E731
                for row in rows:
                    write(row)
                    n += 1
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise
    return n
