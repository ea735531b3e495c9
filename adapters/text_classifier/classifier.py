"""``SpacyTextClassifier``: the ``TextClassifier`` port, backed by a saved model directory."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language

from adapters.text_classifier import architecture  # noqa: F401  (registers the architecture)
from adapters.text_classifier.model_dir import ModelDirectoryError, read_metadata
from domain.ports import TextGuess

_BATCH = 512


class SpacyTextClassifier:
    """Loads only what classifying needs (the tokenizer and ``textcat``) and
    scores texts in batches through ``nlp.pipe``."""

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
        return cls(nlp, metadata.version, known)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    @property
    def version(self) -> str:
        return self._version

    def classify(self, texts: Sequence[str]) -> list[TextGuess]:
        guesses: list[TextGuess] = []
        for doc in self._nlp.pipe(texts, batch_size=_BATCH):
            label, score = max(doc.cats.items(), key=lambda item: item[1])
            guesses.append(TextGuess(label, float(score)))
        return guesses

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """All class probabilities, columns in ``labels`` order (for evaluation tools)."""
        rows = [[doc.cats[label] for label in self._labels] for doc in self._nlp.pipe(texts)]
        return np.asarray(rows, dtype="float32").reshape(len(rows), len(self._labels))
