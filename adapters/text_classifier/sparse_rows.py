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
