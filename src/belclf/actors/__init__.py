"""Who is who: a dictionary of actors (Belarus, the West, Russia, others) found in text.

A direction label says whom Minsk deals with. Event-coding systems (CAMEO actor dictionaries,
as GDELT and ICEWS use them) map names, offices, institutions, firms and places to actors and
then look at who appears with whom. belclf does the same: ``ActorDictionary.find`` returns the
actor mentions of a text with their spans (aliases matched on the words that TF-IDF reads, the
longest at each place), and
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
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence, Union

import numpy as np

from ..features import Words, _IntMap, as_words, lower

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
    marked ``case_sensitive`` in their exact case); of overlapping matches the first to start
    wins, and of those starting together the longest.
    Aliases an actor lists under ``ambiguous_aliases`` count only when the text also names the
    same bloc by an unambiguous alias ("Brest" is Belarusian next to "Minsk", not alone)."""

    def __init__(self, actors: Sequence[dict[str, Any]], directions: dict[str, str] | None = None) -> None:
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
            for alias in aliases + ([actor["name"]] if actor.get("name") else []):
                if not (alias.strip()[:1].isalnum() and len(lower(alias)) == len(alias)):
                    raise ValueError(f"{where}: the alias {alias!r} must begin with a letter or digit")
        self.blocs = sorted({a["bloc"] for a in self.actors}, key=lambda b: (b != ANCHOR, b))
        bloc_index = {b: i for i, b in enumerate(self.blocs)}
        # Aliases are matched lower-cased; an acronym marked case_sensitive ("US", "EU") keeps its
        # exact form and a match must show it in the text (so "us" and "eu" are not actors). An
        # alias listed under ambiguous_aliases ("Brest", "KGB", "National Assembly") counts only
        # in a text that names its bloc unambiguously too.
        keys: dict[str, tuple[int, int, str | None, bool]] = {}
        for index, actor in enumerate(self.actors):
            exact = bool(actor.get("case_sensitive"))
            ambiguous = {" ".join(a.split()).lower() for a in actor.get("ambiguous_aliases") or []}
            for alias in actor.get("aliases", []) + ([actor["name"]] if actor.get("name") else []):
                alias = " ".join(alias.split())
                keys[lower(alias)] = (index, bloc_index[actor["bloc"]], alias if exact else None,
                                      alias.lower() in ambiguous)  # a repeated alias: the later actor's
        values = list(keys.values())
        self._actor_of = np.array([v[0] for v in values], dtype=np.int64)
        self._bloc_of = np.array([v[1] for v in values], dtype=np.int64)
        # an exact form as the letters it has in upper case: the text's must be the same
        exact = [v[2] or "" for v in values]
        self._has_exact = np.array([v[2] is not None for v in values], dtype=bool)
        self._exact_upper = np.zeros((len(values), max(map(len, exact), default=0)), dtype=bool)
        for row, alias in enumerate(exact):
            self._exact_upper[row, : len(alias)] = [c != lower(c) for c in alias]
        self._ambiguous_of = np.array([v[3] for v in values], dtype=bool)
        # Each alias as words. A mention starts at a word equal to the alias's first word (and,
        # for a longer alias, followed by its second word), spans as many words as the alias plus
        # its trailing dots ("U.S."), and hashes as the alias does (Words.span_hashes). A "shape"
        # is such a (number of words, trailing characters); each first word (or first pair of
        # words) has the shapes of its aliases, and every shape is tried where it occurs.
        found = Words(list(keys))
        end, hashes, text_of = found.end, found.hashes, found.text_of
        n_words = np.bincount(text_of, minlength=len(keys))
        first = np.cumsum(n_words) - n_words
        trailing = found.stops - end[first + n_words - 1]
        longer = n_words > 1
        second = np.where(longer, first + 1, first)
        alone = ~longer & (trailing == 0)  # a one-word alias: the word itself is the key
        dotted = ~longer & ~alone
        self._singles, self._single_shapes = _shape_table(hashes[first[dotted]], n_words[dotted], trailing[dotted])
        self._pairs, self._pair_shapes = _shape_table(_pair_key(hashes[first[longer]], hashes[second[longer]]),
                                                      n_words[longer], trailing[longer])
        self._words = _IntMap(hashes[first[alone]], np.flatnonzero(alone))  # one-word aliases by their word
        # A quick sieve on 16 bits of each word's hash says what may begin there (most words begin
        # nothing): 1 a one-word alias, 2 a longer one, 4 a one-word alias with trailing dots.
        # Another, a bit for each 16 bits of a pair's key, says which pairs of words may begin a longer one.
        self._sieve = np.zeros(1 << 16, dtype=np.uint8)
        for bit, kind in ((1, alone), (2, longer), (4, dotted)):
            self._sieve[_top_bits(hashes[first[kind]])] |= bit
        self._maybe_pair = np.zeros(1 << 16, dtype=bool)
        self._maybe_pair[_top_bits(_pair_key(hashes[first[longer]], hashes[second[longer]]))] = True
        self._aliases = _IntMap(_span_key(found.span_hashes(found.starts, found.stops), found.stops - found.starts),
                                np.arange(len(keys)))

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

    def scan_many(self, texts: Union[Sequence[str], Words]) -> tuple[np.ndarray, ...]:
        """Actor mentions of many texts (or of their ``Words``) at once, as arrays in text order:
        (text, start, end, actor index, bloc index), spans counted in each text's characters.

        An alias matches where the text, lower-cased, holds it between word boundaries (no word
        character, ``\\w``, just before or just after it); where matches overlap,
        the one that starts first wins, and of those starting together the longest. All of it
        is numpy on the words of ``Words``, which TF-IDF reads too.
        """
        words = as_words(texts)
        begin, end, hashes, n = words.begin, words.end, words.hashes, len(words.begin)
        may_begin = self._sieve[_top_bits(hashes)]
        # a one-word alias is the word itself; a longer one is tried in each shape of its first pair of words
        one = np.flatnonzero((may_begin & 1) != 0)  # nonzero reads a bool array five times as fast
        alone = self._words.get(hashes[one])
        found = np.flatnonzero(alone >= 0)  # index arrays, not masks: indexing by a mask is twice as slow
        one, alone = one[found], alone[found]
        longer = np.flatnonzero((may_begin & 2) != 0)
        pairs = _pair_key(hashes[longer], hashes[np.minimum(longer + 1, n - 1)])
        sifted = np.flatnonzero(self._maybe_pair[_top_bits(pairs)])
        word, n_words, trailing = _shapes_at(longer[sifted], self._pairs.get(pairs[sifted]), self._pair_shapes)
        if len(self._single_shapes[1]):  # one-word aliases with trailing dots
            dotted = np.flatnonzero((may_begin & 4) != 0)
            more = _shapes_at(dotted, self._singles.get(hashes[dotted]), self._single_shapes)
            word, n_words, trailing = (np.concatenate([a, b]) for a, b in zip((word, n_words, trailing), more))
        last = np.minimum(word + n_words - 1, n - 1)
        start, stop = begin[word], np.minimum(end[last] + trailing, len(words.points))
        # A span that crosses texts holds the newline between them, which no alias does; one that
        # ends on a dot must not run into a word ("U.S.A" is not "U.S.").
        key = self._aliases.get(_span_key(words.span_hashes(start, stop), stop - start))
        hit = np.flatnonzero((key >= 0) & (begin[np.minimum(last + 1, n - 1)] != stop))
        start, stop = np.concatenate([begin[one], start[hit]]), np.concatenate([end[one], stop[hit]])
        key = np.concatenate([alone, key[hit]])
        exact = np.flatnonzero(self._has_exact[key])
        if len(exact):  # an acronym counts only in its exact case ("US", not "us")
            length = stop[exact] - start[exact]
            place = np.arange(length.max())
            same = words.upper[np.minimum(start[exact, None] + place, len(words.upper) - 1)] \
                == self._exact_upper[key[exact], : len(place)]
            keep = np.ones(len(key), dtype=bool)
            keep[exact[~(same | (place >= length[:, None])).all(axis=1)]] = False
            keep = np.flatnonzero(keep)
            start, stop, key = start[keep], stop[keep], key[keep]
        order = np.argsort(start * 4096 - np.minimum(stop - start, 4095), kind="stable")  # two sorted runs
        start, stop, key = start[order], stop[order], key[order]
        first = np.ones(len(start), dtype=bool)  # by start, the longest first: keep the first
        first[1:] = start[1:] != start[:-1]
        first = np.flatnonzero(first)
        start, stop, key = start[first], stop[first], key[first]
        # Overlaps: the first to start wins. That drops each match starting inside an earlier one,
        # unless all that cover it are dropped themselves: there (rarely) the matches are read in order.
        inside = np.zeros(len(start), dtype=bool)
        inside[1:] = start[1:] < np.maximum.accumulate(stop)[:-1]
        if inside.any():
            keep = ~inside
            covered = np.append(False, start[1:] < np.maximum.accumulate(np.where(inside, 0, stop))[:-1])
            outside = np.append(np.flatnonzero(keep), len(start))  # each begins a stretch of its own
            for first in np.unique(np.searchsorted(outside, np.flatnonzero(inside & ~covered), side="right") - 1).tolist():
                reach = -1
                for i in range(outside[first], outside[first + 1]):
                    keep[i], reach = (False, reach) if start[i] < reach else (True, stop[i])
            keep = np.flatnonzero(keep)
            start, stop, key = start[keep], stop[keep], key[keep]
        text = np.searchsorted(words.starts, start, side="right") - 1
        bloc = self._bloc_of[key]
        ambiguous = self._ambiguous_of[key]
        if ambiguous.any():  # an ambiguous alias counts where its text names its bloc unambiguously too
            text_bloc = text * len(self.blocs) + bloc
            sure = np.zeros(len(words.texts) * len(self.blocs), dtype=bool)
            sure[text_bloc[~ambiguous]] = True
            keep = np.flatnonzero(~ambiguous | sure[text_bloc])
            start, stop, key, text, bloc = start[keep], stop[keep], key[keep], text[keep], bloc[keep]
        return text, start - words.starts[text], stop - words.starts[text], self._actor_of[key], bloc

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
        # a copy (joblib, multiprocessing) rebuilds the tables from the actors
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

    def transform(self, texts: Union[Sequence[str], Words]) -> np.ndarray:
        """The features of each text (texts x ``dim``), computed for all texts at once from
        the texts or their ``Words``."""
        words = as_words(texts)
        n_texts, n_blocs, anchor = len(words.texts), len(self.dictionary.blocs), self._anchor
        out = np.zeros((n_texts, self.dim), dtype=np.float32)
        text, start, end, _, bloc = self.dictionary.scan_many(words)
        counts = np.bincount(text * n_blocs + bloc, minlength=n_texts * n_blocs).reshape(n_texts, n_blocs)
        out[:, :n_blocs] = np.log1p(counts)
        if anchor < 0 or not counts[:, anchor].any():
            return out
        # Sentences end at ". ", "? ", "! " and newlines: these marks count a text's sentences, and a
        # mention opens a new sentence where the gap from the mention before holds one (the dot of
        # "U.S. envoy" ends none: it belongs to the mention; the newline between two texts ends one).
        points = words.points
        low_byte = points.astype(np.uint8)  # a quarter of the bytes to compare; true candidates checked below
        marks = low_byte == ord(".")
        for mark in "!?\n":
            marks |= low_byte == ord(mark)
        marks = np.flatnonzero(marks)
        found = points[marks]
        marks = marks[np.flatnonzero((found == ord("\n"))
                                     | ((found < 128) & (points[np.minimum(marks + 1, len(points) - 1)] == ord(" "))))]
        n_sentences = 1 + np.searchsorted(marks, words.stops) - np.searchsorted(marks, words.starts)
        begins, ends = words.starts[text] + start, words.starts[text] + end  # the mentions' spans in points
        after = np.searchsorted(begins, marks, side="right")  # the mention that follows each mark
        between = (after < len(begins)) & (marks >= ends[np.maximum(after - 1, 0)])  # not inside the one before
        opens = np.zeros(len(begins), dtype=bool)
        opens[0] = True
        opens[after[between]] = True
        sentence = np.cumsum(opens) - 1
        present = np.zeros((sentence[-1] + 1, n_blocs), dtype=bool)  # sentence x bloc
        present[sentence, bloc] = True
        anchored = np.flatnonzero(present[:, anchor])
        row, with_bloc = np.nonzero(present[anchored])  # per text: sentences naming Belarus and each bloc
        together = np.bincount(text[np.flatnonzero(opens)][anchored][row] * n_blocs + with_bloc,
                               minlength=n_texts * n_blocs).reshape(n_texts, n_blocs)
        others = [b for b in range(n_blocs) if b != anchor]
        out[:, n_blocs : n_blocs + 2 * len(others) : 2] = np.log1p(together[:, others])
        out[:, n_blocs + 1 : n_blocs + 2 * len(others) : 2] = together[:, others] / n_sentences[:, None]
        out[:, -2] = together[:, anchor] / n_sentences
        out[:, -1] = np.bincount(text[(bloc == anchor) & (start < 400)], minlength=n_texts) > 0
        return out

    def state(self) -> dict:
        return {"kind": self.kind, **self.dictionary.state()}

    @classmethod
    def from_state(cls, state: dict) -> "ActorFeatures":
        return cls(ActorDictionary(state["actors"], state.get("directions")))


def _span_key(hashes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A key for a span from its hash and its length."""
    with np.errstate(over="ignore"):
        return hashes + lengths.astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)


def _top_bits(hashes: np.ndarray) -> np.ndarray:
    """16 well-mixed bits of each hash (a one-letter word's hash is its code point: mix first)."""
    with np.errstate(over="ignore"):
        mixed = hashes * np.uint64(0x9E3779B97F4A7C15)
    mixed >>= np.uint64(48)
    return mixed.view(np.int64)


def _pair_key(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A key for two words from their hashes."""
    with np.errstate(over="ignore"):
        return first * np.uint64(0x9FB21C651E98DF25) + second


def _shape_table(keys: np.ndarray, n_words: np.ndarray, trailing: np.ndarray) -> tuple[_IntMap, tuple[np.ndarray, ...]]:
    """A table from each distinct key to its group of distinct shapes, and the shapes: (where
    each group's shapes begin, with one more entry for the end; words; trailing characters)."""
    distinct, group = np.unique(keys, return_inverse=True)
    shapes = np.unique(np.stack([group.reshape(-1), n_words, trailing], axis=1).reshape(-1, 3), axis=0)
    return _IntMap(distinct, np.arange(len(distinct))), (np.searchsorted(shapes[:, 0], np.arange(len(distinct) + 1)),
                                                         shapes[:, 1], shapes[:, 2])


def _shapes_at(words: np.ndarray, group: np.ndarray, table: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Each word with a group (>= 0) once for each shape of its group: (word, words in the
    shape, trailing characters of the shape)."""
    shapes_from, n_words, trailing = table
    found = np.flatnonzero(group >= 0)
    words, group = words[found], group[found]
    counts = shapes_from[group + 1] - shapes_from[group]
    shape = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts - shapes_from[group], counts)
    return np.repeat(words, counts), n_words[shape], trailing[shape]


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
