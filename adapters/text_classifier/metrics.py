"""Evaluation of label predictions: accuracy, macro-F1, per-class scores, confusion.

Plain numpy on purpose: scikit-learn is only a development dependency, and a
deployment must be able to score its own model. The definitions match
scikit-learn's (``zero_division=0``): a class nobody predicted has precision 0,
and macro-F1 averages over the labels that occur in the truth or the
predictions, so a label the model knows but the file never mentions neither
helps nor hurts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Scores of predictions against the truth; ``labels`` orders the matrix rows
    (truth) and columns (prediction)."""

    examples: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScores]
    labels: tuple[str, ...]
    confusion_matrix: tuple[tuple[int, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": {
                label: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "support": s.support,
                }
                for label, s in self.per_class.items()
            },
            "confusion_matrix": {
                "labels": list(self.labels),
                "matrix": [list(row) for row in self.confusion_matrix],
            },
        }


def confusion_matrix(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> np.ndarray:
    """Counts, row = true label, column = predicted label, both in ``labels`` order."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    missing = sorted({*truth, *predicted} - index.keys())
    if missing:
        raise ValueError(f"labels missing from the label order: {', '.join(missing)}")
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    if truth:
        np.add.at(matrix, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    return matrix


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def evaluate(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> EvaluationReport:
    """Score ``predicted`` against ``truth``; ``labels`` defaults to the sorted union."""
    order = tuple(labels) if labels is not None else tuple(sorted({*truth, *predicted}))
    matrix = confusion_matrix(truth, predicted, order)
    hits = np.diag(matrix)
    support = matrix.sum(axis=1)
    predicted_count = matrix.sum(axis=0)
    per_class: dict[str, ClassScores] = {}
    f1s: list[float] = []
    for i, label in enumerate(order):
        precision = _ratio(hits[i], predicted_count[i])
        recall = _ratio(hits[i], support[i])
        f1 = _ratio(2 * precision * recall, precision + recall)
        per_class[label] = ClassScores(precision, recall, f1, int(support[i]))
        if support[i] or predicted_count[i]:
            f1s.append(f1)
    return EvaluationReport(
        examples=len(truth),
        accuracy=_ratio(hits.sum(), len(truth)),
        macro_f1=float(np.mean(f1s)) if f1s else 0.0,
        per_class=per_class,
        labels=order,
        confusion_matrix=tuple(tuple(int(n) for n in row) for row in matrix),
    )
