"""An HTML report of a labelled archive: label counts, and direction shares over time."""
from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from pathlib import Path

from . import tables
from .archive import read_rows
from .prediction import DIRECTIONS

_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]


def _bars(counts: dict[str, int], total: int) -> str:
    width, row = 560, 26
    top = max(counts.values(), default=0) or 1
    parts = [f'<svg width="{width + 220}" height="{row * len(counts) + 10}" role="img">']
    for i, (label, n) in enumerate(counts.items()):
        y, w = i * row + 4, int(width * n / top)
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{html.escape(label)}</text>'
                     f'<rect x="130" y="{y}" width="{w}" height="20" fill="{_COLOURS[i % len(_COLOURS)]}"/>'
                     f'<text x="{136 + w}" y="{y + 15}" font-size="12">{n} ({100 * n / max(total, 1):.0f}%)</text>')
    return "".join(parts) + "</svg>"


def _lines(shares: dict[str, dict[str, float]], periods: list[str]) -> str:
    width, height, left = 640, 240, 40
    if len(periods) < 2:
        return "<p>Too few dated documents to draw a trend.</p>"
    first, last = int(periods[0]), int(periods[-1])
    span = max(last - first, 1)

    def x(period: str) -> float:  # proportional: a gap of years without documents stays a gap
        return left + (int(period) - first) * (width - left - 10) / span

    parts = [f'<svg width="{width}" height="{height + 40}" role="img">',
             f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>',
             f'<text x="0" y="14" font-size="11">100%</text><text x="0" y="{height}" font-size="11">0%</text>']
    every = span // 12 + 1
    for year in range(first, last + 1, every):
        parts.append(f'<text x="{x(str(year)) - 14:.1f}" y="{height + 16}" font-size="11">{year}</text>')
    for k, (label, series) in enumerate(shares.items()):
        points = " ".join(f"{x(p):.1f},{height - series.get(p, 0) * (height - 10):.1f}" for p in periods)
        colour = _COLOURS[k % len(_COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
                     f'<text x="{left + 10 + 140 * k}" y="{height + 34}" fill="{colour}" font-size="13">'
                     f'{html.escape(label)}</text>')
    return "".join(parts) + "</svg>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def write_report(labelled: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write an HTML page summarising the output of ``belclf label`` (.jsonl, .csv or .parquet)."""
    found = tables.columns(labelled)
    if not {"id", "labels"} <= set(found):
        raise tables.ColumnError(f"{labelled}: not an output of 'belclf label' (columns found: "
                                 f"{', '.join(found) or 'none'}); label it first: "
                                 f"belclf label {labelled} --out labels.csv")
    counts: Counter[str] = Counter()
    by_period: dict[str, Counter[str]] = defaultdict(Counter)
    total = errors = 0
    label_order: list[str] = []
    for row in read_rows(labelled):
        total += 1
        if row.get("error"):
            errors += 1
            continue
        label_order = label_order or list(row.get("scores") or {})
        counts.update(row["labels"])
        if (row.get("date") or "")[:4].isdigit():
            period = row["date"][:4]
            by_period[period]["_n"] += 1
            by_period[period].update(l for l in row["labels"] if l in DIRECTIONS)
    ordered = {l: counts.get(l, 0) for l in label_order}
    periods = sorted(by_period)
    dated = sum(by_period[p]["_n"] for p in periods)
    shares = {d: {p: by_period[p][d] / by_period[p]["_n"] for p in periods} for d in DIRECTIONS if d in ordered}
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>belclf report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}</style></head><body>
<h1>belclf report</h1>
<p>{html.escape(str(labelled))}: {_count(total, "document")}, {total - errors} labelled, {errors} could not be read.</p>
<h2>Documents per label</h2>{_bars(ordered, total - errors)}
<h2>Share of documents per direction, by year</h2>
<p>{_count(dated, "document")} {"carries" if dated == 1 else "carry"} a date.</p>{_lines(shares, periods)}
</body></html>"""
    out = Path(out)
    out.write_text(page, encoding="utf-8")
    return out
