"""The batch format between the featuriser and the linear layer."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class SparseRows:
    """A CSR-like batch: ``features``/``values`` of all docs, concatenated in doc
    order; ``lengths`` says how many belong to each doc and ``rows`` which doc
    each entry belongs to (kept so the layers need not rebuild it)."""

    features: np.ndarray  # int32, feature column per entry
    values: np.ndarray  # float32, weight per entry
    lengths: np.ndarray  # int32, entries per doc
    rows: np.ndarray  # int64, doc index per entry


def take_rows(X: SparseRows, docs: np.ndarray) -> SparseRows:
    """The rows ``docs`` of ``X``, in that order, as a new batch.

    Training featurises the whole training set once and slices mini-batches out
    of it with this: the features never change, and re-tokenising and hashing
    every ticket every epoch cost most of the training time.
    """
    starts = np.concatenate([[0], np.cumsum(X.lengths, dtype="int64")])[docs]
    lengths = X.lengths[docs].astype("int64")
    total = int(lengths.sum())
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    entries = np.repeat(starts - offsets, lengths) + np.arange(total, dtype="int64")
    rows = np.repeat(np.arange(len(docs), dtype="int64"), lengths)
    return SparseRows(X.features[entries], X.values[entries], lengths.astype("int32"), rows)
