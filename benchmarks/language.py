"""The language check: belclf.language (CLD2) next to other detectors, in a table.

    python benchmarks/language.py [--detectors cld2 py3langid langdetect lingua own]

Per detector (those not installed are skipped): import and load time (a new process), time
per 5 KB article, agreement with the language that each real page of ../shared/webpages
declares in ``<html lang>`` (text from ``belclf.clean``; pages under 200 characters left out;
a declared language is sometimes wrong: many pages declare "en" and are German), English
pages called another language, other pages called English, and English corpus texts called
another language (each would lose its labels). ``own`` is a rule of thumb: English when at
least 12% of the words are English function words (it names no other language).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import CORPUS, articles_5kb, real_pages_html  # noqa: E402

SETUP = {
    "cld2": "from belclf.language import detect_language as detect",
    "cld2-full": "from belclf.language import detect_language\ndetect = lambda t: detect_language(t, max_chars=10**9)",
    "py3langid": "from py3langid.langid import LanguageIdentifier, MODEL_FILE\n"
                 "_i = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)\n"
                 "detect = lambda t: _i.classify(t)[0]",
    "langdetect": "from langdetect import DetectorFactory, detect as _d\nDetectorFactory.seed = 0\n"
                  "def detect(t):\n    try:\n        return _d(t).split('-')[0]\n    except Exception:\n        return None",
    "lingua": "from lingua import LanguageDetectorBuilder\n"
              "_d = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()\n"
              "def detect(t):\n    l = _d.detect_language_of(t)\n    return l and l.iso_code_639_1.name.lower()",
    "own": "import re\n_W = frozenset('the of and to is was that for with on by as are from has have had it its at be this '\n"
           "'not but which were been their will would an they he she his her said'.split())\n"
           "def detect(t):\n    w = re.findall(r'[^\\W\\d_]+', t.lower())\n"
           "    return None if not w else 'en' if sum(x in _W for x in w) >= 0.12 * len(w) else 'other'",
}


def real_pages() -> list[tuple[str, str]]:
    """(declared language, main text) of the shared real pages that declare one."""
    from belclf.clean import clean

    out = []
    for raw in real_pages_html():
        declared = re.search(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", raw, re.IGNORECASE)
        text = clean(raw)
        if declared and len(text) >= 200:
            out.append((declared.group(1).lower(), text))
    return out


def measure(name: str, pages: list[tuple[str, str]]) -> dict | None:
    """Run in a child process: one detector's numbers."""
    start = time.perf_counter()
    try:
        scope: dict = {}
        exec(SETUP[name], scope)
    except ImportError:
        return None
    detect = scope["detect"]
    detect("A first sentence, so that lazily loaded models are loaded.")
    load = time.perf_counter() - start
    articles = articles_5kb(1000)
    best = float("inf")
    for _ in range(3):  # best of three: this shared machine's speed varies
        start = time.perf_counter()
        for text in articles:
            detect(text)
        best = min(best, time.perf_counter() - start)
    corpus = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    found = [(declared, detect(text)) for declared, text in pages]
    return {
        "load_s": load, "ms": 1000 * best / len(articles),
        "agree": sum(d == f for d, f in found), "pages": len(found),
        "en_as_other": sum(d == "en" and f not in ("en", None) for d, f in found),
        "other_as_en": sum(d != "en" and f == "en" for d, f in found),
        "corpus_lost": sum(detect(t) not in ("en", None) for t in corpus), "corpus": len(corpus),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detectors", nargs="*", default=list(SETUP), choices=list(SETUP))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import belclf  # noqa: F401  (loaded by belclf anyway: not the detector's cost)

        print(json.dumps(measure(args.child, real_pages())))
        return
    print("| detector | import+load s | ms per 5 KB article | agrees with declared language | English pages called other | "
          "other pages called English | English corpus texts called other |")
    print("|---|---|---|---|---|---|---|")
    for name in args.detectors:
        result = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True)
        r = json.loads(result.stdout.strip().splitlines()[-1])
        if r is None:
            print(f"| {name} | not installed | | | | | |")
            continue
        pages = f"{r['agree']}/{r['pages']}" if r["pages"] else "no pages (../shared/webpages absent)"
        print(f"| {name} | {r['load_s']:.2f} | {r['ms']:.3f} | {pages} | {r['en_as_other']} | {r['other_as_en']} | "
              f"{r['corpus_lost']}/{r['corpus']} |")


if __name__ == "__main__":
    main()
