"""Main-text extraction scored the way the public benchmark of trafilatura scores it.

Per page, the extracted text is whitespace-normalised; a ``with`` segment found in it is a
true positive, a missing one a false negative; a ``without`` segment found (page furniture) is
a false positive. Precision, recall and F1 are over all segments of all pages.

Samples: ``benchmarks/html_sample/`` (pages written for belclf, annotated by hand) and, when
present, ``../shared/webpages/`` (real pages; evaluation only).
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Callable, Iterator

HERE = Path(__file__).resolve().parent
SAMPLES = {"belclf sample": HERE / "html_sample", "real pages (shared)": HERE.parent.parent / "shared" / "webpages"}


def pages(folder: Path) -> Iterator[tuple[str, dict]]:
    """(page HTML, its annotation) for each annotated page of a sample folder."""
    if (folder / "annotations.json").is_file():
        annotations = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))
        files = {name: folder / name for name in annotations}
    elif (folder / "pages.json").is_file():
        annotations = {p["file"]: p for p in json.loads((folder / "pages.json").read_text(encoding="utf-8")).values()}
        files = {name: folder / "html" / name for name in annotations}
    else:
        return
    for name, annotation in annotations.items():
        raw = files[name].read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            text = str(from_bytes(raw).best())
        yield text, annotation


def score(extract: Callable[[str], str], folder: Path) -> dict | None:
    """Precision, recall, F1 and page count of ``extract`` on a sample; None when it is absent."""
    tp = fn = fp = n = 0
    for page, annotation in pages(folder):
        n += 1
        text = " ".join(extract(page).split())
        found = [" ".join(s.split()) in text for s in annotation["with"]]
        tp, fn = tp + sum(found), fn + len(found) - sum(found)
        fp += sum(" ".join(s.split()) in text for s in annotation["without"])
    if not n:
        return None
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"pages": n, "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(precision + recall, 1e-12)}


def strip_tags(page: str) -> str:
    """The baseline: every visible text node, scripts and styles dropped."""
    page = re.sub(r"<(script|style|noscript)\b.*?</\1\s*>", " ", page, flags=re.IGNORECASE | re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def _trafilatura(page: str) -> str:
    import trafilatura

    return trafilatura.extract(page) or ""


def table() -> list[str]:
    """Markdown rows: each extractor on each sample that is present."""
    import belclf

    rows = ["| extractor | sample | pages | precision | recall | F1 |", "|---|---|---:|---:|---:|---:|"]
    for sample, folder in SAMPLES.items():
        for name, extract in (("all text (tags stripped)", strip_tags), ("trafilatura.extract, defaults", _trafilatura),
                              ("belclf.clean", belclf.clean)):
            result = score(extract, folder)
            if result:
                rows.append(f"| {name} | {sample} | {result['pages']} | {result['precision']:.3f} | "
                            f"{result['recall']:.3f} | {result['f1']:.3f} |")
    return rows


if __name__ == "__main__":
    print("\n".join(table()))
