"""Which language a text is written in, told cheaply enough to ask for every text.

CLD2 (Chromium's compact language detector, through ``pycld2``; the detector behind Common
Crawl's language annotations) reads the bytes in one pass with no model to load. It reads
the first 1,000 characters of a text (0.05 ms; the whole of a 5 KB article takes 0.2 ms and
agreed with the pages' declared language no more often: benchmarks/language.py), and names
the language that makes up most of them.
"""
from __future__ import annotations

import re
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # CLD2 refuses these bytes
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# CLD2 keeps a few codes that ISO 639-1 has replaced
_RENAMED = {"iw": "he", "jw": "jv", "in": "id"}


@lru_cache(maxsize=1)
def _cld2():
    import pycld2

    return pycld2


def _run(text: str, best_effort: bool) -> tuple[bool, str]:
    cld2 = _cld2()
    try:
        reliable, _, found = cld2.detect(text, bestEffort=best_effort)
    except (cld2.error, UnicodeEncodeError):  # control characters, lone surrogates: drop them, ask again
        text = _CONTROL.sub(" ", text.encode("utf-8", "replace").decode("utf-8"))
        try:
            reliable, _, found = cld2.detect(text, bestEffort=best_effort)
        except cld2.error:
            return False, "un"
    return reliable, found[0][1]


def detect_language(text: str, max_chars: int = 1000) -> str | None:
    """The ISO 639-1 code of the language of most of the first ``max_chars`` characters of
    ``text``, or None when it cannot be told.

    A text too short for CLD2 to be sure of (a headline, a list of names) gets None, unless
    most of its letters are outside the Latin alphabet: then CLD2's best guess is taken
    (a line of Cyrillic is not English, however short).
    """
    text = text[:max_chars]
    reliable, code = _run(text, best_effort=False)
    if not reliable or code == "un":
        letters = len(_LETTER.findall(text))
        if not letters or 2 * len(_LATIN.findall(text)) >= letters:
            return None
        reliable, code = _run(text, best_effort=True)
        if code == "un":
            return None
    code = code.split("-")[0].lower()  # zh-Hant -> zh
    return None if code.startswith("xx") else _RENAMED.get(code, code)
