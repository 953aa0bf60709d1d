"""Strip web-page clutter from an article and split it into sentences.

HTML goes through trafilatura, the field's main-text extractor (imported only when HTML
arrives, so plain text starts no faster or slower); belclf's own line rules then drop what
pages keep even inside the article and what plain-text scrapes carry: date and byline lines,
captions, Cyrillic photo credits, and "Similar articles" tails.
"""
from __future__ import annotations

import re
from functools import lru_cache

# A line that opens a block of links to other articles; everything after it is not the article.
_HEADINGS = (r"similar articles|related articles|related stories|related|recent trends|read also|"
             r"read more|see also|also read|more on (this|the) topic|you may also like|more from|latest news|"
             r"most read|popular|recommended|tags?")
_TAIL_HEADING = re.compile(rf"^\s*({_HEADINGS})\s*[:\-–—]*\s*$", re.IGNORECASE)
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_WORDS = r"published|updated|posted|date"
_DATE_LINE = re.compile(
    rf"^\s*(({_DATE_WORDS})\s*:?\s*)?("
    rf"{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|"
    r"\d{4}-\d{2}-\d{2})([ ,T]*(at\s*)?\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?)?\s*(\w{2,4})?\s*$",
    re.IGNORECASE,
)
_CAPTIONS = r"image|photo|picture|illustration|source|credit|photo credit|фото|фота|источник|крыніца|by|author|written by"
_CAPTION = re.compile(rf"^\s*({_CAPTIONS})\b\s*[:\-–—|]?", re.IGNORECASE)
# A line can be clutter or a tail heading only if it opens with one of these words or a digit, or
# holds a Cyrillic letter: a pass of each over "\n" + text finds the lines the rules need to read.
_SUSPECT = re.compile(rf"\n[^\S\n]*({_DATE_WORDS}|{_MONTHS}|{_CAPTIONS}|{_HEADINGS})|\n[^\S\n]*\d", re.IGNORECASE)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)(?<!\bMrs\.)(?<!\bGen\.)(?<!\bCol\.)(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


def looks_like_html(text: str) -> bool:
    """True when ``text`` contains HTML markup."""
    return bool(re.search(r"<(html|body|p|div|br|h[1-6]|article|span|a)\b[^>]*>", text, re.IGNORECASE))


@lru_cache(maxsize=1)
def _extractor():
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # its timeout uses signals, which fail off the main thread
    return trafilatura, config


def main_text(page: str) -> str:
    """The headline and main text of an HTML page, found by trafilatura; "" when it finds none.

    A fragment without ``<body>`` (a CMS export's HTML field) is read as a page body.
    """
    return main_text_and_date(page)[0]


def main_text_and_date(page: str) -> tuple[str, str | None]:
    """``main_text`` and the page's date (YYYY-MM-DD, from its metadata, ``<time>`` or URL) or None."""
    trafilatura, config = _extractor()
    for markup in (page, f"<html><body>{page}</body></html>") if "<body" not in page.lower() else (page,):
        document = trafilatura.bare_extraction(markup, config=config, with_metadata=True)
        if document is not None and document.text:
            title = (document.title or "").strip()
            body = document.text.strip()
            return (f"{title}\n\n{body}" if title and not body.startswith(title) else body), document.date
    return "", None


def extractor_name() -> str:
    """Which main-text extractor reads HTML, with its version (for progress lines and cards)."""
    from importlib.metadata import version

    return f"trafilatura {version('trafilatura')}"


def _cyrillic_lines(joined: str) -> list[int]:
    """Which lines of "\n" + text hold a Cyrillic letter (U+0400-U+04FF: the UTF-8 sequences
    that start with bytes D0-D3, which numpy finds much faster than a regular expression)."""
    encoded = joined.encode("utf-8", "surrogatepass")
    if not any(lead in encoded for lead in (b"\xd0", b"\xd1", b"\xd2", b"\xd3")):
        return []
    import numpy as np

    data = np.frombuffer(encoded, dtype=np.uint8)
    newlines = np.flatnonzero(data == 10)
    return (np.searchsorted(newlines, np.flatnonzero((data & 0xFC) == 0xD0)) - 1).tolist()


def _is_clutter_line(line: str) -> bool:
    if _DATE_LINE.match(line):
        return True
    if _CYRILLIC.search(line) and len(_CYRILLIC.findall(line)) > len(_LETTER.findall(line)) / 2:
        return True  # a Cyrillic credit in an English page
    # Captions and bylines are short lines opening with a keyword ("Image: ...", "By ...").
    return bool(_CAPTION.match(line)) and len(line.split()) <= 12 and not line.rstrip().endswith((".", "?", "!"))


def clean(text: str) -> str:
    """The article of a scraped page.

    HTML is reduced to its headline and main text by trafilatura (navigation, footers, link
    lists, cookie banners and comments dropped). Then, for HTML and plain text alike: the tail
    of "Similar articles" / "Recent trends" / "Read also" links, image captions and photo
    credits, Cyrillic credit lines, date and byline lines are removed. The article's own
    paragraphs are kept in order.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if looks_like_html(text):
        text = main_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Only lines that open like clutter need the line rules (one pass over the text finds them).
    joined = "\n" + "\n".join(lines)
    suspects, number, position = set(_cyrillic_lines(joined)), 0, 0
    for match in _SUSPECT.finditer(joined):  # each starts at the newline before its line
        number += joined.count("\n", position, match.start())
        position = match.start()
        suspects.add(number)
    dropped: set[int] = set()
    start = len(lines)  # the article's first line: the first that is neither empty nor clutter
    for i, line in enumerate(lines):
        line = line.strip()
        if line and not _is_clutter_line(line):
            start = i
            break
        if line:
            dropped.add(i)
    for i in sorted(suspects):
        if i > start:
            line = lines[i].strip()
            if _TAIL_HEADING.match(line):  # the links to other articles: the rest goes
                lines = lines[:i]
                break
            if line and _is_clutter_line(line):
                dropped.add(i)
    kept = "\n".join([line.strip() for i, line in enumerate(lines) if i not in dropped])
    while "\n\n\n" in kept:  # runs of blank lines become one (str.replace is much faster than re.sub here)
        kept = kept.replace("\n\n\n", "\n\n")
    return kept.strip()


def sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at paragraph breaks and at sentence-final punctuation."""
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if len(s.strip()) > 1)
    return out
