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
import os
from dataclasses import dataclass
from itertools import chain
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..features import space_characters, word_characters

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
        values = list(keys.values())
        self._actor_of = np.array([v[0] for v in values], dtype=np.int64)
        self._bloc_of = np.array([v[1] for v in values], dtype=np.int64)
        self._exact = [v[2] for v in values if v[2] is not None]
        self._exact_of = np.cumsum([v[2] is not None for v in values]) - 1
        self._exact_of[[v[2] is None for v in values]] = -1
        self._ambiguous_of = np.array([v[3] for v in values], dtype=bool)
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

    def scan_many(self, texts: Sequence[str]) -> tuple[np.ndarray, ...]:
        """Actor mentions of many texts at once, as arrays in text order: (text, start, end,
        actor index, bloc index), spans counted in each text's characters. One automaton pass
        over the texts joined by newlines (no alias holds one, so no match crosses texts); the
        word-boundary, case and ambiguity rules are numpy operations on the matches."""
        lowered = []
        for text in texts:
            low = text.lower()
            if len(low) != len(text):  # a few characters grow when lower-cased: keep spans on the text
                low = "".join(c if len(c) == 1 else c[0] for c in map(str.lower, text))
            lowered.append(low)
        joined = "\n".join(lowered)
        matches = self._automaton.find_matches_as_indexes(joined)
        empty = np.zeros(0, dtype=np.int64)
        if not matches:
            return empty, empty, empty, empty, empty
        key, start, end = np.fromiter(chain.from_iterable(matches), dtype=np.int64, count=3 * len(matches)).reshape(-1, 3).T
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        alnum = np.concatenate([word_characters(points) & (points != ord("_")), [False]])
        keep = ~alnum[start - 1] | (start == 0)
        keep &= ~alnum[end]  # alnum[len] is False: the end of the last text
        key, start, end = key[keep], start[keep], end[keep]
        actor, bloc = self._actor_of[key], self._bloc_of[key]
        exact = np.flatnonzero(self._exact_of[key] >= 0)
        if len(exact):  # an acronym counts only in its exact case ("US", not "us")
            original = "\n".join(texts)
            wrong = [i for i in exact if original[start[i] : end[i]] != self._exact[self._exact_of[key[i]]]]
            keep = np.ones(len(key), bool)
            keep[wrong] = False
            key, start, end, actor, bloc = key[keep], start[keep], end[keep], actor[keep], bloc[keep]
        offsets = np.cumsum([0] + [len(t) + 1 for t in lowered[:-1]])
        text = np.searchsorted(offsets, start, side="right") - 1
        ambiguous = self._ambiguous_of[key]
        if ambiguous.any():  # an ambiguous alias counts where its text names its bloc unambiguously too
            sure = np.unique((text * len(self.blocs) + bloc)[~ambiguous])
            keep = ~ambiguous | np.isin(text * len(self.blocs) + bloc, sure)
            text, start, end, actor, bloc = text[keep], start[keep], end[keep], actor[keep], bloc[keep]
        return text, start - offsets[text], end - offsets[text], actor, bloc

    def scan(self, text: str) -> list[tuple[int, int, int, int]]:
        """(start, end, actor index, bloc index) of each mention of one text, in order."""
        _, start, end, actor, bloc = self.scan_many([text])
        return list(zip(start.tolist(), end.tolist(), actor.tolist(), bloc.tolist()))

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

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """The features of each text (texts x ``dim``), computed for all texts at once."""
        n_texts, n_blocs, anchor = len(texts), len(self.dictionary.blocs), self._anchor
        out = np.zeros((n_texts, self.dim), dtype=np.float32)
        text, start, end, _, bloc = self.dictionary.scan_many(texts)
        counts = np.bincount(text * n_blocs + bloc, minlength=n_texts * n_blocs).reshape(n_texts, n_blocs)
        out[:, :n_blocs] = np.log1p(counts)
        if anchor < 0 or not counts[:, anchor].any():
            return out
        # Group mentions into sentences: a new one starts where the gap between two mentions of a
        # text holds a sentence end ("[.!?]" and white space, or a newline; so "U.S. envoy" ends none).
        joined = "\n".join(texts)
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        offsets = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        stops = np.flatnonzero((points == ord(".")) | (points == ord("!")) | (points == ord("?")))
        following = points[np.minimum(stops + 1, len(points) - 1)] * (stops + 1 < len(points))
        newlines = np.flatnonzero(points == ord("\n"))
        # Sentences in a text: 1 + its ". ", "? ", "! " and newlines (the newlines joining texts excluded).
        ends = offsets + [len(t) for t in texts]
        spaced = stops[following == ord(" ")]
        n_sentences = (1 + np.searchsorted(spaced, ends) - np.searchsorted(spaced, offsets)
                       + np.searchsorted(newlines, ends) - np.searchsorted(newlines, offsets))
        stops = stops[space_characters(following) & (stops + 1 < len(points))]
        gap_from, gap_to = (offsets[text] + end)[:-1], (offsets[text] + start)[1:]
        in_gap = np.zeros(len(text), bool)  # a stop needs its space inside the gap too
        in_gap[1:] = (gap_to > gap_from) & (
            (np.searchsorted(stops, gap_to - 1) > np.searchsorted(stops, gap_from))
            | (np.searchsorted(newlines, gap_to) > np.searchsorted(newlines, gap_from)))
        first = np.ones(len(text), bool)
        first[1:] = text[1:] != text[:-1]
        sentence = np.cumsum(first | in_gap) - 1
        text_of = text[first | in_gap]
        has_anchor = np.bincount(sentence, weights=bloc == anchor, minlength=len(text_of)) > 0
        pairs = np.unique(sentence * n_blocs + bloc)
        pair_sentence, pair_bloc = pairs // n_blocs, pairs % n_blocs
        chosen = has_anchor[pair_sentence] & (pair_bloc != anchor)
        together = np.bincount(text_of[pair_sentence[chosen]] * n_blocs + pair_bloc[chosen],
                               minlength=n_texts * n_blocs).reshape(n_texts, n_blocs)
        others = [b for b in range(n_blocs) if b != anchor]
        out[:, n_blocs : n_blocs + 2 * len(others) : 2] = np.log1p(together[:, others])
        out[:, n_blocs + 1 : n_blocs + 2 * len(others) : 2] = together[:, others] / n_sentences[:, None]
        out[:, -2] = np.bincount(text_of[has_anchor], minlength=n_texts) / n_sentences
        out[:, -1] = np.bincount(text[(bloc == anchor) & (start < 400)], minlength=n_texts) > 0
        return out

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
