"""The label scheme and the result of classifying one text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

THEMES: tuple[str, ...] = ("security", "human_rights", "economy", "energy")
DIRECTIONS: tuple[str, ...] = ("minsk_west", "minsk_moscow")
LABELS: tuple[str, ...] = THEMES + DIRECTIONS


@dataclass(frozen=True)
class Evidence:
    """A sentence of the article that supports a label, with its score for that label."""

    sentence: str
    score: float


@dataclass(frozen=True)
class Prediction:
    """Labels of one text.

    Attributes:
        labels: labels whose score reaches the model's threshold for that label, in model order.
        scores: every label of the model mapped to a probability in [0, 1].
        evidence: per predicted label, the sentences that most support it (only when asked for).
        relevance: probability that the text is about Belarus, from the model's relevance gate
            (None for a model trained without one). Below the gate's threshold ``labels`` is
            empty, whatever the scores: a text not about Belarus gets no theme and no direction.
        actors: per predicted direction, the actors of its side found in the text, e.g.
            ``{"minsk_west": ["Angela Merkel", "European Union"]}`` (only when evidence is asked for).
        language: ISO 639-1 code of the language most of the text is written in, e.g. ``"en"``,
            ``"de"``; None when the text is too short or mixed to tell (``belclf.language``).
        note: why ``labels`` is empty beyond the scores, when the model knows: a text in a
            language the model does not read gets no labels and says so here.
    """

    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Evidence]] | None = field(default=None)
    relevance: float | None = field(default=None)
    actors: dict[str, list[str]] | None = field(default=None)
    language: str | None = field(default=None)
    note: str | None = field(default=None)

    @property
    def themes(self) -> list[str]:
        """The predicted labels that are themes of the standard scheme."""
        return [label for label in self.labels if label in THEMES]

    @property
    def directions(self) -> list[str]:
        """The predicted labels that are relationship directions of the standard scheme."""
        return [label for label in self.labels if label in DIRECTIONS]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: labels, themes, directions, scores, relevance, language, note and,
        if present, actors and evidence."""
        out: dict[str, Any] = {
            "labels": list(self.labels),
            "themes": self.themes,
            "directions": self.directions,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "relevance": None if self.relevance is None else round(self.relevance, 4),
            "language": self.language,
            "note": self.note,
        }
        if self.actors is not None:
            out["actors"] = {label: list(names) for label, names in self.actors.items()}
        if self.evidence is not None:
            out["evidence"] = {
                label: [{"sentence": e.sentence, "score": round(e.score, 4)} for e in items]
                for label, items in self.evidence.items()
            }
        return out
