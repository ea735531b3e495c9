"""Naive Bayes weights: a feature seen only under one label votes for that label."""

import numpy as np

from adapters.text_classifier.naive_bayes import log_weights
from adapters.text_classifier.sparse_rows import SparseRows


def test_a_feature_seen_under_one_label_weighs_most_for_it() -> None:
    # doc 0 (label 0): features 0 and 2; doc 1 (label 1): features 1 and 2
    rows = SparseRows(
        features=np.array([0, 2, 1, 2], dtype="int32"),
        values=np.array([0.8, 0.6, 0.8, 0.6], dtype="float32"),
        lengths=np.array([2, 2], dtype="int32"),
        rows=np.array([0, 0, 1, 1]),
    )

    weights = log_weights(rows, np.array([0, 1]), (4, 2), alpha=0.03)

    assert weights.shape == (4, 2)
    assert weights[0, 0] > weights[0, 1] and weights[1, 1] > weights[1, 0]
    assert np.allclose(weights[2], 0.0, atol=1e-6)  # shared evenly: no vote
    assert np.allclose(weights[3], 0.0, atol=1e-6)  # never seen: no vote
    assert np.allclose(weights.sum(axis=1), 0.0, atol=1e-6)  # centred per feature
