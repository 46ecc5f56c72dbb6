"""Score predicted entities against labelled ones: precision, recall and F1 per category, exact and overlap.

A prediction matches a label of the same category exactly (same start and end) or by overlap (any shared
character); each label is matched at most once. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Score", "score"]

Entity = Mapping[str, Any]


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"tp": self.true_positives, "fp": self.false_positives, "fn": self.false_negatives,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def score(gold: Sequence[Sequence[Entity]], predicted: Sequence[Sequence[Entity]], *, overlap: bool,
          categories: Iterable[str]) -> dict[str, Score]:
    """Scores per category plus ``"all"`` (micro-averaged over the given categories)."""
    wanted = list(categories)
    counts = {c: [0, 0, 0] for c in wanted}
    for labels, guesses in zip(gold, predicted, strict=True):
        for category in wanted:
            mine = [g for g in guesses if g["category"] == category]
            theirs = [g for g in labels if g["category"] == category]
            used: set[int] = set()
            for guess in mine:
                hit = next((i for i, label in enumerate(theirs) if i not in used and _matches(guess, label, overlap)),
                           None)
                if hit is None:
                    counts[category][1] += 1
                else:
                    used.add(hit)
                    counts[category][0] += 1
            counts[category][2] += len(theirs) - len(used)
    result = {c: Score(*v) for c, v in counts.items()}
    result["all"] = Score(*(sum(v[i] for v in counts.values()) for i in range(3)))
    return result


def _matches(guess: Entity, label: Entity, overlap: bool) -> bool:
    if overlap:
        return int(guess["start"]) < int(label["end"]) and int(label["start"]) < int(guess["end"])
    return (guess["start"], guess["end"]) == (label["start"], label["end"])
