"""Who is who: a dictionary of actors (Belarus, the West, Russia, others) found in text.

A direction label says whom Minsk deals with. Event-coding systems (CAMEO actor dictionaries,
as GDELT and ICEWS use them) map names, offices, institutions, firms and places to actors and
then look at who appears with whom. belclf does the same: ``ActorDictionary.find`` returns the
actor mentions of a text with their spans (an Aho-Corasick automaton, leftmost-longest), and
``ActorFeatures`` turns them into counts per bloc and per-sentence co-occurrence of a Belarusian
actor with each other bloc, which every tier's direction heads and relevance gate read.

The bundled dictionary is ``actors.json`` beside this file, written for belclf and reviewed like
code. A file of one's own in the same format is merged in at training and saved with the model
(e.g. China's actors as a ``china`` bloc for a custom ``minsk_beijing`` label).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

BUNDLED = Path(__file__).resolve().parent / "actors.json"
ANCHOR = "belarus"  # the bloc every direction is measured from
DIRECTIONS = {"minsk_west": "west", "minsk_moscow": "russia"}  # direction label -> the bloc on its other side


def direction_bloc(label: str, dictionary: "ActorDictionary") -> str | None:
    """The bloc behind a direction label: minsk_west -> west, minsk_moscow -> russia, those a
    dictionary file declares under "directions" ({"minsk_beijing": "china"}), and otherwise
    minsk_<bloc> -> <bloc>; None for labels that are not directions."""
    bloc = dictionary.directions.get(label, label[len("minsk_"):] if label.startswith("minsk_") else None)
    return bloc if bloc in dictionary.blocs else None


@dataclass(frozen=True)
class Mention:
    """One actor found in a text: its id, display name, bloc and character span."""

    actor: str
    name: str
    bloc: str
    start: int
    end: int


_SENTENCE_END = re.compile(r"[.!?]\s|\n")  # plain, so it is fast
_ENDS = (". ", "? ", "! ", "\n")  # the same ends, counted with str.count for the number of sentences


class ActorDictionary:
    """Actors with their aliases, matched case-insensitively on word boundaries (acronyms
    marked ``case_sensitive`` in their exact case); the longest alias wins where two overlap.
    Aliases an actor lists under ``ambiguous_aliases`` count only when the text also names the
    same bloc by an unambiguous alias ("Brest" is Belarusian next to "Minsk", not alone)."""

    def __init__(self, actors: Sequence[dict[str, Any]], directions: dict[str, str] | None = None) -> None:
        import ahocorasick_rs

        self.actors = [dict(a) for a in actors]
        self.directions = {**DIRECTIONS, **(directions or {})}
        seen: set[str] = set()
        for i, actor in enumerate(self.actors):
            where = f"actor {i} ({actor.get('id', '?')})"
            if not isinstance(actor.get("id"), str) or not isinstance(actor.get("bloc"), str):
                raise ValueError(f"{where}: needs a string 'id' and 'bloc'")
            if actor["id"] in seen:
                raise ValueError(f"{where}: the id {actor['id']!r} is used twice")
            seen.add(actor["id"])
            aliases = actor.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
                raise ValueError(f"{where}: 'aliases' must be a list of non-empty strings")
        self.blocs = sorted({a["bloc"] for a in self.actors}, key=lambda b: (b != ANCHOR, b))
        bloc_index = {b: i for i, b in enumerate(self.blocs)}
        # One automaton over lower-cased text; an acronym marked case_sensitive ("US", "EU") keeps
        # its exact form and a match must show it in the text (so "us" and "eu" are not actors).
        # An alias listed under ambiguous_aliases ("Brest", "KGB", "National Assembly") counts only
        # in a text that names its bloc unambiguously too.
        keys: dict[str, tuple[int, int, str | None, bool]] = {}
        for index, actor in enumerate(self.actors):
            exact = bool(actor.get("case_sensitive"))
            ambiguous = {" ".join(a.split()).lower() for a in actor.get("ambiguous_aliases") or []}
            for alias in actor.get("aliases", []) + ([actor["name"]] if actor.get("name") else []):
                alias = " ".join(alias.split())
                keys[alias.lower()] = (index, bloc_index[actor["bloc"]], alias if exact else None,
                                       alias.lower() in ambiguous)  # a repeated alias: the later actor's
        self._values = list(keys.values())
        # leftmost-longest: where aliases overlap, the longest wins
        self._automaton = ahocorasick_rs.AhoCorasick(list(keys), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)

    @classmethod
    def load(cls, *extra: str | os.PathLike) -> "ActorDictionary":
        """The bundled dictionary merged with ``extra`` files: an actor id given again replaces
        the earlier actor, an alias given again points to the later actor, and a file's
        "directions" map adds direction labels."""
        merged: dict[str, dict] = {}
        directions: dict[str, str] = {}
        for path in (BUNDLED, *extra):
            actors, declared = _read(Path(path))
            for actor in actors:  # a file read later wins: its actors go last, and the last alias wins
                merged.pop(actor.get("id"), None)
                merged[actor.get("id")] = actor
            directions.update(declared)
        return cls(list(merged.values()), directions)

    def scan(self, text: str) -> list[tuple[int, int, int, int]]:
        """(start, end, actor index, bloc index) of each mention, in order: the fast path behind
        ``find`` and the features. A match must start and end on a word boundary."""
        hits, last, values, doubtful = [], len(text), self._values, False
        lowered = text.lower()
        if len(lowered) != last:  # a few characters grow when lower-cased: keep spans on the text
            lowered = "".join(c if len(c) == 1 else c[0] for c in map(str.lower, text))
        for key, start, end in self._automaton.find_matches_as_indexes(lowered):
            if (start == 0 or not lowered[start - 1].isalnum()) and (end == last or not lowered[end].isalnum()):
                index, bloc, exact, ambiguous = values[key]
                if exact is None or text[start:end] == exact:
                    hits.append((start, end, index, bloc, ambiguous))
                    doubtful |= ambiguous
        if doubtful:
            sure = {hit[3] for hit in hits if not hit[4]}
            hits = [hit for hit in hits if not hit[4] or hit[3] in sure]
        return [hit[:4] for hit in hits]

    def find(self, text: str) -> list[Mention]:
        """Actor mentions of ``text`` in order, longest first where aliases overlap."""
        out = []
        for start, end, index, _ in self.scan(text):
            actor = self.actors[index]
            out.append(Mention(actor["id"], actor.get("name", actor["id"]), actor["bloc"], start, end))
        return out

    def state(self) -> dict:
        return {"actors": self.actors, "directions": self.directions}

    def __reduce__(self) -> tuple:
        # the Aho-Corasick automaton cannot be pickled: a copy (joblib, multiprocessing) rebuilds it
        return type(self), (self.actors, self.directions)


class ActorFeatures:
    """Dense features from actor mentions, for the heads and the relevance gate.

    Per bloc: log(1 + mentions). Per bloc other than Belarus: log(1 + sentences in which it
    appears with a Belarusian actor) and the share of such sentences. For Belarus: the share
    of sentences naming a Belarusian actor, and whether one appears in the first 400 characters.
    """

    kind = "actors"

    def __init__(self, dictionary: ActorDictionary) -> None:
        self.dictionary = dictionary
        self.others = [b for b in dictionary.blocs if b != ANCHOR]
        self._anchor = dictionary.blocs.index(ANCHOR) if ANCHOR in dictionary.blocs else -1

    @property
    def dim(self) -> int:
        return len(self.dictionary.blocs) + 2 * len(self.others) + 2

    def row(self, text: str) -> np.ndarray:
        hits = self.dictionary.scan(text)
        n_blocs, anchor = len(self.dictionary.blocs), self._anchor
        out = np.zeros(self.dim, dtype=np.float32)
        counts = [0] * n_blocs
        for hit in hits:
            counts[hit[3]] += 1
        out[:n_blocs] = np.log1p(counts)
        if anchor < 0 or not counts[anchor]:
            return out
        # Group mentions into sentences: a new sentence starts where the gap between two mentions
        # holds a sentence end (so a dot inside a mention, "U.S. envoy", ends none). Searching the
        # gaps only is much cheaper than splitting the whole text.
        search = _SENTENCE_END.search
        sentences: list[set[int]] = [set()]
        previous = hits[0][1]
        for start, end, _, bloc in hits:
            if start > previous and search(text, previous, start):
                sentences.append(set())
            sentences[-1].add(bloc)
            previous = end
        n_sentences = 1 + sum(text.count(mark) for mark in _ENDS)
        with_anchor = [blocs for blocs in sentences if anchor in blocs]
        for k, bloc in enumerate(b for b in range(n_blocs) if b != anchor):
            together = sum(bloc in blocs for blocs in with_anchor)
            out[n_blocs + 2 * k] = math.log1p(together)
            out[n_blocs + 2 * k + 1] = together / n_sentences
        out[-2] = len(with_anchor) / n_sentences
        out[-1] = float(any(hit[3] == anchor and hit[0] < 400 for hit in hits))
        return out

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.row(t) for t in texts]) if len(texts) else np.zeros((0, self.dim), np.float32)

    def state(self) -> dict:
        return {"kind": self.kind, **self.dictionary.state()}

    @classmethod
    def from_state(cls, state: dict) -> "ActorFeatures":
        return cls(ActorDictionary(state["actors"], state.get("directions")))


def _read(path: Path) -> tuple[list[dict], dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable actor dictionary ({exc})") from exc
    actors = data.get("actors") if isinstance(data, dict) else None
    if not isinstance(actors, list) or not all(isinstance(a, dict) for a in actors):
        raise ValueError(f"{path}: an actor dictionary is a JSON object with an 'actors' list of objects")
    directions = data.get("directions") or {}
    if not isinstance(directions, dict) or not all(isinstance(v, str) for v in directions.values()):
        raise ValueError(f"{path}: 'directions' maps direction labels to blocs, e.g. {{\"minsk_beijing\": \"china\"}}")
    return actors, directions


@lru_cache(maxsize=1)
def bundled() -> ActorDictionary:
    """The dictionary shipped with belclf."""
    return ActorDictionary.load()


def find(text: str) -> list[Mention]:
    """Actor mentions of ``text`` found by the bundled dictionary."""
    return bundled().find(text)
