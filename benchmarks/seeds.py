"""The real seed pages of ../shared/seeds/labelled.jsonl, when present (evaluation only)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "labelled.jsonl"


def _gold(path: Path, labels: list[str]):
    """Rows of labelled.jsonl with their truth (themes + directions) and mask (uncertain left out)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    truth = np.array([[int(l in r["themes"] + r["directions"]) for l in labels] for r in rows])
    mask = np.array([[int(l not in r.get("uncertain", [])) for l in labels] for r in rows])
    return rows, truth, mask


def load_seeds(labels: list[str], path: Path = SEEDS):
    """(texts, truth, mask) of the seed pages' parts (article, "Similar articles"), or None when absent.

    Positives are ``themes`` + ``directions``; labels under ``uncertain`` are masked out.
    """
    if not path.is_file():
        return None
    rows, truth, mask = _gold(path, labels)
    return [r["text"] for r in rows], truth, mask


def load_raw_pages(labels: list[str], path: Path = SEEDS):
    """(texts, truth, mask) of the five raw scraped pages, clutter included, scored against
    the gold labels of their article part; None when absent. ``classify`` must clean them."""
    if not path.is_file():
        return None
    rows, truth, mask = _gold(path, labels)
    articles = [i for i, r in enumerate(rows) if r["part"] == "article"]
    texts = [(path.parent / rows[i]["seed_file"]).read_text(encoding="utf-8") for i in articles]
    return texts, truth[articles], mask[articles]
