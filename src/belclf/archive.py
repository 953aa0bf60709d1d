"""Batch-labelling archives: folders of pages, JSONL/CSV/Parquet exports, saved datasets.

Every input yields exactly one output row, including inputs that could not be read (their
``error`` says why). Rows are appended to a JSONL journal and flushed batch by batch, so
an interrupted run (even SIGKILL) resumes with ``resume=True`` without losing or repeating
rows; CSV and Parquet outputs are written from the journal when the run completes.
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from ._optional import require
from .clean import extractor_name, looks_like_html

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
Item = tuple[str, Any, str | None]  # (id, text or None, error or None)


# ------------------------------------------------------------------ reading
def _decode(raw: bytes) -> tuple[str | None, str | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"bad encoding: not UTF-8 ({exc.reason} at byte {exc.start})"
    if not text.strip():
        return None, "empty"
    return text, None


def _iter_folder(root: Path) -> Iterator[Item]:
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and not p.is_dir()):
        name = path.relative_to(root).as_posix()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield name, None, f"unreadable: {exc.strerror or exc}"
            continue
        yield (name, *_decode(raw))


def _text_or_error(value: Any, column: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, f"no {column!r} value"
    if not isinstance(value, str):
        return None, f"{column!r} is {type(value).__name__}, not text"
    return (value, None) if value.strip() else (None, "empty")


def _iter_records(records: Iterator[dict], text_column: str, id_column: str | None) -> Iterator[Item]:
    for i, record in enumerate(records, start=1):
        if isinstance(record, Exception):
            yield f"row:{i}", None, str(record)
            continue
        ident = str(record.get(id_column)) if id_column and record.get(id_column) is not None else f"row:{i}"
        yield (ident, *_text_or_error(record.get(text_column), text_column))


def _jsonl_records(path: Path) -> Iterator[Any]:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line.decode("utf-8"))
                yield record if isinstance(record, dict) else ValueError(f"line {number}: not a JSON object")
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield ValueError(f"line {number}: unreadable JSON ({exc})")


def _csv_records(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8", newline="", errors="replace") as handle:
        yield from csv.DictReader(handle)


def _parquet_records(path: Path) -> Iterator[dict]:
    pq = require("pyarrow.parquet", "train", "Reading Parquet archives")

    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        yield from batch.to_pylist()


def _dataset_records(path: Path) -> Iterator[dict]:
    datasets = require("datasets", "train", "Reading datasets archives")

    dataset = datasets.load_from_disk(str(path))
    if isinstance(dataset, datasets.DatasetDict):
        for part in dataset.values():
            yield from part
    else:
        yield from dataset


def iter_archive(archive: str | os.PathLike, text_column: str = "text", id_column: str | None = None) -> Iterator[Item]:
    """Stream ``(id, text, error)`` for every input of an archive, in a stable order."""
    path = Path(archive)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
            return _iter_records(_dataset_records(path), text_column, id_column)
        return _iter_folder(path)
    readers = {".jsonl": _jsonl_records, ".csv": _csv_records, ".parquet": _parquet_records}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: unsupported archive (a folder, .jsonl, .csv, .parquet or a saved dataset)")
    return _iter_records(reader(path), text_column, id_column)


def count_inputs(archive: str | os.PathLike) -> int | None:
    """The number of inputs when it is cheap to know (folders, Parquet, datasets), else None."""
    path = Path(archive)
    if path.is_dir() and not (path / "dataset_info.json").exists():
        return sum(1 for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and not p.is_dir())
    if path.suffix.lower() == ".parquet":
        return require("pyarrow.parquet", "train", "Reading Parquet archives").ParquetFile(path).metadata.num_rows
    return None


# ------------------------------------------------------------------ dates
_MONTH_NAMES = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATES = [
    (re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})\b"), lambda m: (m[3], m[1], m[2])),
    (re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2,8}),? (\d{4})\b"), lambda m: (m[3], m[2], m[1])),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), lambda m: (m[3], m[2], m[1])),
]


def find_date(text: str) -> str | None:
    """The first date in the first lines of a page (its date line), as YYYY-MM-DD, or None."""
    head = "\n".join(text.strip().splitlines()[:6])
    for pattern, parts in _DATES:
        for match in pattern.finditer(head):
            year, month, day = parts(match)
            month = _MONTH_NAMES.get(month[:3].lower(), month) if not month.isdigit() else int(month)
            try:
                return _dt.date(int(year), int(month), int(day)).isoformat()
            except (TypeError, ValueError):
                continue
    return None


# ------------------------------------------------------------------ labelling
_worker_model = None


def _init_worker(model: str) -> None:
    global _worker_model
    import belclf

    _worker_model = belclf.load(model)


def _label_batch(batch: list[Item], explain: bool = False) -> list[dict]:
    return _label_items(_worker_model, batch, explain)


def _label_items(model: Any, batch: list[Item], explain: bool = False) -> list[dict]:
    """One output row per item. Should the model fail on the batch, its texts are labelled one by
    one and a text it fails on gets its error, so one bad input never stops a run."""
    good = [(i, text) for i, (_, text, error) in enumerate(batch) if error is None]
    predictions, failures = {}, {}
    try:
        predictions = dict(zip([i for i, _ in good], model.classify_many([t for _, t in good], explain=explain)))
    except Exception:
        for i, text in good:
            try:
                predictions[i] = model.classify(text, explain=explain)
            except Exception as exc:
                failures[i] = f"labelling failed: {type(exc).__name__}: {exc}"
    rows = []
    for i, (ident, text, error) in enumerate(batch):
        row: dict[str, Any] = {"id": ident, "date": find_date(text) if text else None, "labels": [], "scores": {},
                               "relevance": None}
        if i in predictions:
            result = predictions[i].to_dict()
            row.update(labels=result["labels"], scores=result["scores"], relevance=result["relevance"])
            if explain:
                row["evidence"] = result.get("evidence", {})
                row["actors"] = result.get("actors") or {}
        row["error"] = failures.get(i, error)
        rows.append(row)
    return rows


def label_records(model: Any, ids: Iterable[Any], values: Iterable[Any]) -> list[dict]:
    """Flat output rows, one per input, with the columns of ``table_columns(model.labels)``: the
    rows ``label_archive`` writes to CSV or Parquet, for engines that hand over batches themselves
    (Ray Data, Spark; see examples/). A value is a text, the bytes of a file, None, or the OSError
    that reading a file raised; one that cannot be read (unreadable, not UTF-8, empty, missing,
    not text) gets a row with its ``error``."""
    items: list[Item] = []
    for ident, value in zip(ids, values):
        if isinstance(value, float) and value != value:  # pandas' missing value
            value = None
        if isinstance(value, OSError):
            text, error = None, f"unreadable: {value.strerror or value}"
        elif isinstance(value, (bytes, bytearray)):
            text, error = _decode(bytes(value))
        else:
            text, error = _text_or_error(value, "text")
        items.append((str(ident), text, error))
    labels = list(model.labels)
    return [_flat(row, labels) for row in _label_items(model, items)]


def table_columns(labels: Iterable[str]) -> list[tuple[str, str]]:
    """(name, type) of the columns of a CSV or Parquet output; the type (``string`` or ``double``)
    is a name both Arrow (``pyarrow.type_for_alias``) and Spark SQL read."""
    return [("id", "string"), ("date", "string"), ("labels", "string"), ("relevance", "double"),
            ("error", "string")] + [(f"score_{l}", "double") for l in labels]


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _recover_journal(journal: Path) -> set[str]:
    """Ids already in a journal; a torn last line (a killed write) is cut off."""
    done: set[str] = set()
    if not journal.exists():
        return done
    good_bytes = 0
    with open(journal, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
                break
            good_bytes += len(line)
    with open(journal, "r+b") as handle:
        handle.truncate(good_bytes)
    return done


def label_archive(
    archive: str | os.PathLike,
    out: str | os.PathLike,
    model: str = "default",
    text_column: str = "text",
    id_column: str | None = None,
    workers: int = 1,
    resume: bool = False,
    explain: bool = False,
    batch_size: int = 256,
    progress: bool = True,
) -> dict[str, int]:
    """Label every input of ``archive`` into ``out`` (.jsonl, .csv or .parquet).

    Returns counts: ``rows`` written in this run, ``skipped`` (already done, on resume),
    ``errors`` (inputs that could not be read), ``html`` (inputs read as HTML, by trafilatura;
    the progress bar names the extractor).
    """
    from tqdm import tqdm

    out = Path(out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValueError(f"{out}: the output must end in {', '.join(OUTPUT_SUFFIXES)}")
    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    journal = out if out.suffix.lower() == ".jsonl" else out.with_name(out.name + ".part.jsonl")
    if not resume and (out.exists() or journal.exists()):
        raise FileExistsError(f"{out} exists: pass --resume to continue it, or choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = _recover_journal(journal) if resume else set()

    items = iter_archive(archive, text_column, id_column)
    counts = {"rows": 0, "skipped": len(done), "errors": 0, "html": 0}
    total = count_inputs(archive)
    bar = tqdm(total=total, initial=len(done), unit="doc", disable=not progress or None, smoothing=0.1,
               desc="plain text: belclf rules")

    def todo() -> Iterator[Item]:
        for item in items:
            if item[0] in done:
                continue
            if item[1] is not None and looks_like_html(item[1]):
                if not counts["html"]:  # say which path reads the pages
                    bar.set_description(f"HTML: {extractor_name()} + belclf rules", refresh=False)
                counts["html"] += 1
            yield item

    pool = None
    if workers > 1:
        import functools
        import multiprocessing

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        pool = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn").Pool(
            workers, initializer=_init_worker, initargs=(model,))
        results = pool.imap(functools.partial(_label_batch, explain=explain), _batches(todo(), batch_size))
    else:
        _init_worker(model)
        results = (_label_batch(b, explain) for b in _batches(todo(), batch_size))
    try:
        with open(journal, "a", encoding="utf-8") as handle:
            for rows in results:
                handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
                handle.flush()
                os.fsync(handle.fileno())
                counts["rows"] += len(rows)
                counts["errors"] += sum(r["error"] is not None for r in rows)
                bar.update(len(rows))
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
    if journal != out:
        _convert(journal, out)
        journal.unlink()
    return counts


def read_rows(path: str | os.PathLike) -> Iterator[dict]:
    """Rows of a ``label_archive`` JSONL output."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _flat(row: dict, labels: list[str]) -> dict:
    flat = {"id": row["id"], "date": row.get("date"), "labels": ";".join(row["labels"]),
            "relevance": row.get("relevance"), "error": row["error"]}
    flat.update({f"score_{l}": row["scores"].get(l) for l in labels})
    if "evidence" in row:
        flat["evidence"] = json.dumps(row["evidence"], ensure_ascii=False)
        flat["actors"] = json.dumps(row.get("actors", {}), ensure_ascii=False)
    return flat


def _convert(journal: Path, out: Path) -> None:
    labels: list[str] = []
    for row in read_rows(journal):  # every label of the model appears in the scores of a good row
        labels = list(row["scores"]) or labels
        if labels:
            break
    tmp = out.with_name(out.name + ".tmp")
    if out.suffix.lower() == ".csv":
        fields = [name for name, _ in table_columns(labels)]
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = None
            for row in read_rows(journal):
                flat = _flat(row, labels)
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=fields + (["evidence", "actors"] if "evidence" in flat else []))
                    writer.writeheader()
                writer.writerow(flat)
    else:
        pa = require("pyarrow", "train", "Writing Parquet")
        pq = require("pyarrow.parquet", "train", "Writing Parquet")

        fields = [(name, pa.type_for_alias(kind)) for name, kind in table_columns(labels)]
        with_evidence = any("evidence" in row for row in read_rows(journal))
        schema = pa.schema(fields + ([("evidence", pa.string()), ("actors", pa.string())] if with_evidence else []))
        with pq.ParquetWriter(tmp, schema) as writer:
            batch: list[dict] = []
            for row in read_rows(journal):
                batch.append(_flat(row, labels))
                if len(batch) >= 4096:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch.clear()
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    os.replace(tmp, out)
