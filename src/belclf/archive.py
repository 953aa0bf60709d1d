"""Batch-labelling archives: folders of pages, JSONL/CSV/Parquet exports, saved datasets.

Every input yields exactly one output row, including inputs that could not be read (their
``error`` says why). Rows are appended to a JSONL journal and flushed batch by batch, so
an interrupted run (even SIGKILL) resumes with ``resume=True`` without losing or repeating
rows; CSV and Parquet outputs are written from the journal when the run completes, by
``belclf.tables``, which reads and writes the tables of every command.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import tables
from .clean import extractor_name, looks_like_html, main_text_and_date
from .models import model_id

TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
# (id, text or None, error or None, date or None, note or None)
Item = tuple[str, Any, "str | None", "str | None", "str | None"]

# Code pages a detector may choose for a file that is not UTF-8: those of English, Russian,
# Belarusian, Ukrainian and the neighbours' languages (a short text fits many; this keeps the
# guess among those an archive about Belarus is written in).
_CODE_PAGES = ["cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic",
               "cp1250", "iso8859_2", "cp1257", "iso8859_13", "utf_16", "utf_32"]


def decode_text(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a text file: UTF-8 if it is, else the encoding charset-normalizer finds.

    Raises:
        ValueError: for bytes that are not text in any encoding it knows (a binary file).
    """
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        failure = f"{exc.reason} at byte {exc.start}"
    from charset_normalizer import from_bytes

    best = None if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")) else \
        from_bytes(raw, cp_isolation=_CODE_PAGES).best()
    if best is None:
        raise ValueError(f"not text: not UTF-8 ({failure}) and no known encoding fits")
    return str(best), best.encoding


def read_text_file(path: str | os.PathLike) -> tuple[str, str]:
    """``(text, encoding)`` of a text file (see ``decode_text``); raises OSError or ValueError."""
    return decode_text(Path(path).read_bytes())


def _read_file(path: Path, name: str) -> Item:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return name, None, f"skipped: not a text file ({', '.join(TEXT_SUFFIXES)})", None, None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return name, None, f"unreadable: {exc.strerror or exc}", None, None
    return (name, *_decoded(raw))


def _decoded(raw: bytes) -> tuple[str | None, str | None, None, str | None]:
    """``(text, error, date, note)`` of a file's bytes: the text, or why there is none."""
    try:
        text, encoding = decode_text(raw)
    except ValueError as exc:
        return None, str(exc), None, None
    if not text.strip():
        return None, "empty", None, None
    return text, None, None, None if encoding == "utf-8" else f"decoded as {encoding} (not UTF-8)"


def _folder_files(root: Path) -> list[Path]:
    """Every file under ``root`` but hidden ones (``.git``, ``.DS_Store``), in a stable order."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def _text_or_error(value: Any, column: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, f"no {column!r} value"
    if not isinstance(value, str):
        return None, f"{column!r} is {type(value).__name__}, not text"
    return (value, None) if value.strip() else (None, "empty")


def _iter_records(records: Iterator[Any], text_column: str, id_column: str | None,
                  date_column: str | None) -> Iterator[Item]:
    for i, record in enumerate(records, start=1):
        if isinstance(record, tables.BadRow):
            yield f"row:{i}", None, str(record), None, None
            continue
        ident = str(record.get(id_column)) if id_column and record.get(id_column) is not None else f"row:{i}"
        date = normalise_date(record.get(date_column)) if date_column else None
        yield (ident, *_text_or_error(record.get(text_column), text_column), date, None)


def open_archive(archive: str | os.PathLike, text_column: str = "text", id_column: str | None = None,
                 date_column: str | None = None) -> tuple[Iterator[Item], int | None]:
    """Check an archive and stream ``(id, text, error, date, note)`` for every input, in a stable order.

    Returns the stream and the number of inputs when it is cheap to know. Before anything is
    read, raises FileNotFoundError, ImportError (a format whose library is missing) or
    ``tables.ColumnError`` (a column asked for is not in the table; the message lists those found).
    """
    path = Path(archive)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    if path.is_dir() and not tables.is_dataset_dir(path):
        files = _folder_files(path)
        return (_read_file(p, p.relative_to(path).as_posix()) for p in files), len(files)
    if path.suffix.lower() in TEXT_SUFFIXES:
        raise ValueError(f"{path} is one text file, not an archive: classify it with: belclf classify {path}")
    found = tables.columns(path)
    tables.require_columns(path, found, {"--text-column": text_column, "--id-column": id_column,
                                         "--date-column": date_column})
    return _iter_records(tables.iter_table(path), text_column, id_column, date_column), tables.count_rows(path)


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
    text, size = text.strip(), 4096
    while size < len(text) and len(text[:size].splitlines()) <= 6:  # split only the head of a long text
        size *= 2
    head = "\n".join(text[:size].splitlines()[:6])
    for pattern, parts in _DATES:
        for match in pattern.finditer(head):
            year, month, day = parts(match)
            month = _MONTH_NAMES.get(month[:3].lower(), month) if not month.isdigit() else int(month)
            try:
                return _dt.date(int(year), int(month), int(day)).isoformat()
            except (TypeError, ValueError):
                continue
    return None


def normalise_date(value: Any) -> str | None:
    """A date column's value as YYYY-MM-DD (from a date, an ISO timestamp or a written date), or None."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if not isinstance(value, str) or not value.strip():
        return None
    iso = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if iso:
        try:
            return _dt.date(*map(int, iso.groups())).isoformat()
        except ValueError:
            return None
    return find_date(value)


# ------------------------------------------------------------------ labelling
_worker_model = None


def _init_worker(model: str, threads: int | None = None) -> None:
    global _worker_model
    import belclf

    if threads is not None:  # a worker process of several: share the cores, do not oversubscribe them
        os.environ["BELCLF_THREADS"] = str(threads)

    _worker_model = belclf.load(model)


def _label_batch(batch: list[Item], explain: bool = False, model_name: str = "") -> list[dict]:
    return _label_items(_worker_model, batch, explain, model_name)


def _label_items(model: Any, batch: list[Item], explain: bool = False, model_name: str = "") -> list[dict]:
    """One output row per item. Should the model fail on the batch, its texts are labelled one by
    one and a text it fails on gets its error, so one bad input never stops a run."""
    inputs: dict[int, str] = {}
    dates: dict[int, str | None] = {}
    for i, (_, text, error, date, _) in enumerate(batch):
        if error is not None:
            continue
        if looks_like_html(text):  # one trafilatura pass gives the classifier its text and the report its date
            main, dates[i] = main_text_and_date(text)
            inputs[i] = main if model.clean else text
        else:
            inputs[i], dates[i] = text, find_date(text)
    predictions, failures = {}, {}
    try:
        predictions = dict(zip(inputs, model.classify_many(list(inputs.values()), explain=explain)))
    except Exception:
        for i, text in inputs.items():
            try:
                predictions[i] = model.classify(text, explain=explain)
            except Exception as exc:
                failures[i] = f"labelling failed: {type(exc).__name__}: {exc}"
    rows = []
    for i, (ident, text, error, date, note) in enumerate(batch):
        row: dict[str, Any] = {"id": ident, "date": date or dates.get(i), "labels": [], "scores": {},
                               "relevance": None, "language": None, "note": None}
        if i in predictions:
            result = predictions[i].to_dict()
            row.update({key: result[key] for key in ("labels", "scores", "relevance", "language", "note")})
            if explain:
                row["evidence"] = result.get("evidence", {})
                row["actors"] = result.get("actors") or {}
        notes = [n for n in (note, row["note"]) if n]  # the file's (its encoding) and the model's (its language)
        row.update(error=failures.get(i, error), note="; ".join(notes) or None, model=model_name)
        rows.append(row)
    return rows


def label_records(model: Any, ids: Iterable[Any], values: Iterable[Any], model_name: str = "") -> list[dict]:
    """Flat output rows, one per input, with the columns of ``table_columns(model.labels)``: the
    rows ``label_archive`` writes to CSV or Parquet, for engines that hand over batches themselves
    (Ray Data, Spark; see examples/). A value is a text, the bytes of a file, None, or the OSError
    that reading a file raised; one that cannot be read (unreadable, not text, empty, missing, a
    file whose suffix is not a page's) gets a row with its ``error``."""
    items: list[Item] = []
    for ident, value in zip(ids, values):
        if isinstance(value, float) and value != value:  # pandas' missing value
            value = None
        if isinstance(value, OSError):
            items.append((str(ident), None, f"unreadable: {value.strerror or value}", None, None))
        elif isinstance(value, (bytes, bytearray)):  # a file's content: a file name's suffix decides, as in a folder
            if Path(str(ident)).suffix and Path(str(ident)).suffix.lower() not in TEXT_SUFFIXES:
                items.append((str(ident), None, f"skipped: not a text file ({', '.join(TEXT_SUFFIXES)})", None, None))
            else:
                items.append((str(ident), *_decoded(bytes(value))))
        else:
            items.append((str(ident), *_text_or_error(value, "text"), None, None))
    labels = list(model.labels)
    return [_flat(row, labels) for row in _label_items(model, items, model_name=model_name)]


def table_columns(labels: Iterable[str]) -> list[tuple[str, str]]:
    """(name, type) of the columns of a CSV or Parquet output; the type (``string`` or ``double``)
    is a name both Arrow (``pyarrow.type_for_alias``) and Spark SQL read."""
    return [(name, "double" if kind is float else "string") for name, kind in _schema(list(labels), False).items()]


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _recover_journal(journal: Path) -> tuple[set[str], str | None]:
    """Ids already in a journal and the model that wrote them; a torn last line (a killed write) is cut off."""
    done: set[str] = set()
    model = None
    if not journal.exists():
        return done, model
    good_bytes = 0
    with open(journal, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                row = json.loads(line)
                done.add(row["id"])
            except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
                break
            model = model or row.get("model")
            good_bytes += len(line)
    with open(journal, "r+b") as handle:
        handle.truncate(good_bytes)
    return done, model


def label_archive(
    archive: str | os.PathLike,
    out: str | os.PathLike,
    model: str = "default",
    text_column: str = "text",
    id_column: str | None = None,
    date_column: str | None = None,
    workers: int = 1,
    resume: bool = False,
    explain: bool = False,
    batch_size: int = 256,
    progress: bool = True,
) -> dict[str, int]:
    """Label every input of ``archive`` into ``out`` (.jsonl, .csv or .parquet).

    ``archive`` is a folder (every file gives a row: .txt, .md, .html and .htm are read, other
    files get an ``error`` saying they were skipped; hidden files are ignored) or a table
    (JSONL, CSV, Parquet, a saved ``datasets`` folder) with a ``text_column``. Each row holds
    ``id``, ``date`` (from ``date_column``, else the page's metadata or date line), ``labels``,
    ``scores``, ``relevance``, ``error``, ``note`` (e.g. the encoding of a file that was not
    UTF-8) and ``model`` (``name@hash``: ``resume`` refuses to continue with another model).

    Returns counts: ``rows`` written in this run, ``skipped`` (already done, on resume),
    ``errors`` (inputs that could not be read), ``html`` (inputs read as HTML, by trafilatura;
    the progress bar names the extractor), ``duplicates`` (ids seen before in this run; warned).
    """
    from tqdm import tqdm

    out = Path(out)
    tables.check_format(out, write=True)  # before any work: a Parquet output without pyarrow fails now
    if workers < 1 or batch_size < 1:
        raise ValueError("workers and batch_size must be at least 1")
    name, labels = model_id(model)
    items, total = open_archive(archive, text_column, id_column, date_column)
    journal = out if out.suffix.lower() == ".jsonl" else out.with_name(out.name + ".part.jsonl")
    if journal != out and out.exists():
        raise FileExistsError(f"{out} exists (a finished run): choose another --out, or remove it to label again")
    if not resume and journal.exists():
        unfinished = "" if journal == out else f" holds an unfinished run into {out}"
        raise FileExistsError(f"{journal}{unfinished or ' exists'}: pass --resume to continue it, "
                              "or choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    done, done_by = _recover_journal(journal) if resume else (set(), None)
    if done_by is not None and done_by != name:
        raise ValueError(f"{journal} was started with model {done_by}, not {name}: resume it with that --model, "
                         "or label into another --out")

    counts = {"rows": 0, "skipped": len(done), "errors": 0, "html": 0, "duplicates": 0}
    bar = tqdm(total=total, initial=len(done), unit="doc", disable=not progress or None, smoothing=0.1,
               desc="plain text: belclf rules")
    seen: set[str] = set()
    first_duplicate: list[str] = []

    def todo() -> Iterator[Item]:
        for item in items:
            if item[0] in seen:
                counts["duplicates"] += 1
                first_duplicate[:] = first_duplicate or [item[0]]
            seen.add(item[0])
            if item[0] in done:
                continue
            if item[1] is not None and looks_like_html(item[1]):
                if not counts["html"]:  # say which path reads the pages
                    bar.set_description(f"HTML: {extractor_name()} + belclf rules", refresh=False)
                counts["html"] += 1
            yield item

    pool = None
    label = functools.partial(_label_batch, explain=explain, model_name=name)
    if workers > 1:
        import multiprocessing

        from .model import n_threads

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        pool = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn").Pool(
            workers, initializer=_init_worker, initargs=(model, max(1, n_threads() // workers)))
        results = pool.imap(label, _batches(todo(), batch_size))
    else:
        _init_worker(model)
        results = (label(b) for b in _batches(todo(), batch_size))
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
    if counts["duplicates"]:
        warnings.warn(f"{counts['duplicates']} input(s) share an id with an earlier one "
                      f"(first: {first_duplicate[0]!r}); --resume tells inputs apart by id, so it would skip "
                      "them: choose a unique --id-column", tables.InputWarning, stacklevel=2)
    if not seen:
        result = "is empty" if journal == out else "has only a header"
        warnings.warn(f"{archive} holds no inputs: {out} {result}", tables.InputWarning, stacklevel=2)
    if journal != out:
        tables.write_table(out, (_flat(row, labels) for row in read_rows(journal)), _schema(labels, explain))
        journal.unlink()
    return counts


_NESTED = ("evidence", "actors")


def _schema(labels: list[str], explain: bool) -> dict[str, type]:
    """The columns of a CSV or Parquet output; JSONL rows keep lists and dicts as they are."""
    schema: dict[str, type] = {"id": str, "date": str, "labels": str, "relevance": float, "language": str, "error": str,
                               "note": str, "model": str}
    schema.update({f"score_{l}": float for l in labels})
    schema.update({k: str for k in _NESTED} if explain else {})
    return schema


def _flat(row: dict, labels: list[str]) -> dict:
    flat = {k: row.get(k) for k in ("id", "date", "relevance", "language", "error", "note", "model")}
    flat["labels"] = ";".join(row["labels"])
    flat.update({f"score_{l}": row["scores"].get(l) for l in labels})
    flat.update({k: json.dumps(row[k], ensure_ascii=False) for k in _NESTED if k in row})
    return flat


def _nested(flat: dict) -> dict:
    """A row of a CSV or Parquet output as ``label_archive`` made it (the inverse of ``_flat``)."""
    row: dict[str, Any] = {k: (flat.get(k) if flat.get(k) != "" else None)
                           for k in ("id", "date", "relevance", "language", "error", "note", "model")}
    row["relevance"] = None if row["relevance"] is None else float(row["relevance"])
    row["labels"] = [l for l in (flat.get("labels") or "").split(";") if l]
    row["scores"] = {k[len("score_"):]: float(v) for k, v in flat.items()
                     if k.startswith("score_") and v not in ("", None)}
    row.update({k: json.loads(flat[k]) for k in _NESTED if flat.get(k)})
    return row


def read_rows(path: str | os.PathLike) -> Iterator[dict]:
    """Rows of a ``label_archive`` output (.jsonl, .csv or .parquet), with lists and dicts as in JSONL."""
    for row in tables.iter_table(path):
        if isinstance(row, tables.BadRow):
            raise ValueError(f"{path}: {row}")
        yield row if tables.table_format(path) == "jsonl" else _nested(row)
