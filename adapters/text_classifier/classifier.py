"""``SpacyTextClassifier``: the ``TextClassifier`` port, backed by a saved model directory."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language

from adapters.text_classifier import architecture  # noqa: F401  (registers the architecture)
from adapters.text_classifier.model_dir import ModelDirectoryError, read_metadata
from adapters.text_classifier.scoring import score_batches
from domain.ports import TextGuess


class SpacyTextClassifier:
    """Loads only what classifying needs (the tokenizer and ``textcat``) and
    scores texts in batches (``scoring``: what ``nlp.pipe`` computes, as arrays)."""

    def __init__(self, nlp: Language, version: str, labels: tuple[str, ...]) -> None:
        self._nlp = nlp
        self._version = version
        self._labels = labels

    @classmethod
    def load(cls, path: Path) -> "SpacyTextClassifier":
        metadata = read_metadata(path)
        try:
            nlp = spacy.load(path)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelDirectoryError(f"{path}: the spaCy pipeline does not load ({exc})") from exc
        if nlp.pipe_names != ["textcat"]:
            raise ModelDirectoryError(f"{path}: expected a textcat pipeline, got {nlp.pipe_names}")
        known = tuple(nlp.get_pipe("textcat").labels)  # type: ignore[attr-defined]
        if sorted(known) != sorted(metadata.labels):
            raise ModelDirectoryError(f"{path}: the pipeline's labels differ from the metadata's")
        classifier = cls(nlp, metadata.version, known)
        # compile the vocabulary for fast lookups now (a third of a second for
        # Endava's), so the first ticket does not wait for it
        classifier.classify(["warm up"])
        return classifier

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    @property
    def version(self) -> str:
        return self._version

    def classify(self, texts: Sequence[str]) -> list[TextGuess]:
        guesses: list[TextGuess] = []
        for scores in score_batches(self._nlp, texts):
            best = scores.argmax(axis=1)  # the first label of equal top scores, as max() does
            top = scores[np.arange(len(best)), best].tolist()
            labels = [self._labels[i] for i in best.tolist()]
            guesses.extend(map(TextGuess, labels, top))
        return guesses

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """All class probabilities, columns in ``labels`` order (for evaluation tools)."""
        batches = list(score_batches(self._nlp, texts))
        if not batches:
            return np.zeros((0, len(self._labels)), dtype="float32")
        return np.concatenate(batches).astype("float32")
