"""Choosing a category: the trained model when there is one, keyword rules otherwise.

Pure: the model's guess arrives as a ``TextGuess``; what is decided here is
whether to trust it (the confidence threshold) and, with no model, which
category's keywords the text matches best.
"""

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.enums import CategorySource
from domain.ports import TextGuess


@dataclass(frozen=True)
class CategoryChoice:
    """``key`` None means "a human must triage": nothing matched or the model was unsure."""

    key: str | None
    confidence: float | None
    source: CategorySource | None
    label: str | None
    model_version: str | None


def keyword_guess(text: str, keywords: Mapping[str, Sequence[str]]) -> TextGuess | None:
    """The category whose keywords occur most often; None when none occur or it is a tie.

    Confidence is that category's share of all keyword hits.
    """
    lowered = text.lower()
    hits: dict[str, int] = {}
    for key, words in keywords.items():
        count = 0
        for word in words:
            # a whole-word match is a substring first: most keywords are not in a
            # ticket at all, and looking for a substring costs a fraction of a regex scan
            if word and word.lower() in lowered:
                count += len(_whole_word(word).findall(lowered))
        if count:
            hits[key] = count
    if not hits:
        return None
    ranked = sorted(hits.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return TextGuess(ranked[0][0], ranked[0][1] / sum(hits.values()))


@functools.lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    """The keyword as a whole-word pattern, compiled once (triage runs it per ticket)."""
    return re.compile(rf"\b{re.escape(word.lower())}\b")


def choose(
    guess: TextGuess | None,
    source: CategorySource,
    known_keys: set[str],
    threshold: float,
    model_version: str | None = None,
) -> CategoryChoice:
    if guess is None:
        return CategoryChoice(None, None, None, None, model_version)
    label = guess.label.upper()
    trusted = label in known_keys and guess.confidence >= threshold
    return CategoryChoice(
        key=label if trusted else None,
        confidence=guess.confidence,
        source=source if trusted else None,
        label=guess.label,
        model_version=model_version,
    )
