"""Strip web-page clutter from an article and split it into sentences."""
from __future__ import annotations

import html
import re

# A line that opens a block of links to other articles; everything after it is not the article.
_TAIL_HEADING = re.compile(
    r"^\s*(similar articles|related articles|related stories|related|recent trends|read also|"
    r"read more|see also|also read|more on (this|the) topic|you may also like|more from|latest news|"
    r"most read|popular|recommended|tags?)\s*[:\-–—]*\s*$",
    re.IGNORECASE,
)
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_LINE = re.compile(
    r"^\s*((published|updated|posted|date)\s*:?\s*)?("
    rf"{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|"
    r"\d{4}-\d{2}-\d{2})([ ,T]*(at\s*)?\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?)?\s*(\w{2,4})?\s*$",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^\s*(image|photo|picture|illustration|source|credit|photo credit|фото|фота|источник|крыніца|"
    r"by|author|written by)\b\s*[:\-–—|]?",
    re.IGNORECASE,
)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(p|div|br|h[1-6]|li|ul|ol|tr|table|section|article|header|footer|blockquote)\b[^>]*>",
                        re.IGNORECASE)
_INVISIBLE = re.compile(r"<(script|style|noscript|nav|aside|figure|figcaption)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)(?<!\bMrs\.)(?<!\bGen\.)(?<!\bCol\.)(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


def looks_like_html(text: str) -> bool:
    """True when ``text`` contains HTML markup."""
    return bool(re.search(r"<(html|body|p|div|br|h[1-6]|article|span|a)\b[^>]*>", text, re.IGNORECASE))


def strip_html(text: str) -> str:
    """Text of an HTML page: scripts, styles, navigation and figures dropped, blocks on their own lines."""
    text = _INVISIBLE.sub("\n", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def _is_clutter_line(line: str) -> bool:
    if _DATE_LINE.match(line):
        return True
    if _CYRILLIC.search(line) and len(_CYRILLIC.findall(line)) > len(_LETTER.findall(line)) / 2:
        return True  # a Cyrillic credit in an English page
    # Captions and bylines are short lines opening with a keyword ("Image: ...", "By ...").
    return bool(_CAPTION.match(line)) and len(line.split()) <= 12 and not line.rstrip().endswith((".", "?", "!"))


def clean(text: str) -> str:
    """The article of a scraped page.

    Removes HTML tags and entities (when given HTML), the tail of "Similar articles" /
    "Recent trends" / "Read also" links, image captions and photo credits, Cyrillic credit
    lines, date and byline lines. The article's own paragraphs are kept in order.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if looks_like_html(text):
        text = strip_html(text)
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if _TAIL_HEADING.match(line) and any(kept):
            break
        if line and _is_clutter_line(line):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at paragraph breaks and at sentence-final punctuation."""
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if len(s.strip()) > 1)
    return out
