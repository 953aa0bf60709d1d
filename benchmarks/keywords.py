"""A keyword-rule baseline written from the labelling guide: a few regular expressions per label.

The models are only worth shipping where they beat it.
"""
from __future__ import annotations

import re

import numpy as np

RULES = {
    "security": r"\b(military|army|armed forces|troops|defen[cs]e ministry|exercises?|drills?|zapad|missiles?|iskander|"
                r"oreshnik|s-400|nuclear weapons?|air base|nato|csto|wagner|soldiers?|border guards?|weapons?)\b",
    "human_rights": r"\b(political prisoners?|opposition|protests?|protesters|repression|crackdown|arrest(ed|s)?|"
                    r"detained|jailed|sentenced|human rights|elections?|journalists?|death penalty|viasna|activists?|"
                    r"freedom of|pardon(ed)?)\b",
    "economy": r"\b(econom(y|ic)|trade|exports?|imports?|loans?|credit|imf|world bank|investment|privati[sz]ation|"
               r"budget|currency|rouble|ruble|devaluation|inflation|gdp|potash|belaruskali|tariffs?|eaeu|"
               r"eurasian economic union|wages?)\b",
    "energy": r"\b(oil|gas|gazprom|rosneft|pipelines?|druzhba|yamal|refiner(y|ies)|naftan|mozyr|electricity|"
              r"nuclear power|power plant|astravets|ostrovets|energy)\b",
    "minsk_west": r"\b(european union|eu|brussels|united states|u\.s\.|us|washington|nato|osce|odihr|poland|polish|"
                  r"lithuania(n)?|latvia(n)?|germany|german|britain|uk|council of europe|western sanctions|"
                  r"the west|imf|world bank|ebrd)\b",
    "minsk_moscow": r"\b(russia(n)?|kremlin|moscow|putin|medvedev|union state|csto|eaeu|gazprom|rosneft|"
                    r"rosatom)\b",
}
_COMPILED = {label: re.compile(pattern, re.IGNORECASE) for label, pattern in RULES.items()}


# The rule a learned relevance gate must beat: no label for a text that never names these.
BELARUS_NAMES = re.compile(r"belarus|minsk|lukashenk", re.IGNORECASE)


def predict(texts: list[str], labels: list[str], min_hits: int = 2, names_rule: bool = False) -> np.ndarray:
    """1 where a label's expression matches at least ``min_hits`` times (once for short texts);
    with ``names_rule``, nothing for a text that never names Belarus, Minsk or Lukashenko."""
    out = np.zeros((len(texts), len(labels)), dtype=int)
    for i, text in enumerate(texts):
        if names_rule and not BELARUS_NAMES.search(text):
            continue
        needed = 1 if len(text.split()) < 60 else min_hits
        for j, label in enumerate(labels):
            out[i, j] = len(_COMPILED[label].findall(text)) >= needed
    return out
