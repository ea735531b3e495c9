"""A softmax over sparse TF-IDF rows: a wide linear part plus a narrow hidden layer.

The wide part (``W``, ``b``) is multinomial logistic regression on every
n-gram, the classic strong model for short texts. The deep part projects the
same row into ``hidden`` dimensions (``U``: a learned dense embedding of the
n-grams, like fastText), applies a ReLU and maps to the labels (``V``); it lets
n-grams that never co-occurred with a label share evidence through similar
neighbours, and its errors differ from the linear part's, so their sum beats
either alone. The trainer updates the two parts with different optimisers
(see ``training``).

The layer expects the gradient of cross-entropy with respect to the logits
(``probs - truth``, weighted), as spaCy's ``textcat`` and Frontdesk's trainer
hand it back, and skips the softmax Jacobian, exactly as thinc's own
``Softmax`` does. During training, input entries and hidden units are dropped
at ``dropout`` rate so no single n-gram or unit carries a decision.
"""

from collections.abc import Callable
from typing import cast

import numpy as np
from thinc.api import Model, registry
from thinc.types import Floats2d

from adapters.text_classifier.sparse_rows import SparseRows

_PROJECTION_SCALE = 0.3  # hidden pre-activations start around unit scale for L2-normed rows


@registry.layers("frontdesk.SparseSoftmax.v1")
def SparseSoftmax(
    nO: int | None = None, nI: int | None = None, hidden: int = 0, dropout: float = 0.0
) -> Model[SparseRows, Floats2d]:
    return Model(
        "sparse_softmax",
        _forward,
        init=_init,
        params={"W": None, "b": None, "U": None, "c": None, "V": None},
        dims={"nO": nO, "nI": nI, "nH": hidden},
        attrs={"dropout_rate": dropout},
    )


def _init(
    model: Model[SparseRows, Floats2d], X: SparseRows | None = None, Y: Floats2d | None = None
) -> None:
    if Y is not None:
        model.set_dim("nO", Y.shape[1])
    n_in, n_out, n_hidden = (model.get_dim(d) for d in ("nI", "nO", "nH"))
    # linear part and output layer start at zero (nothing to unlearn); the projection
    # starts random so hidden units differ from each other
    U = np.random.default_rng(0).normal(0.0, _PROJECTION_SCALE, (n_in, n_hidden))
    model.set_param("W", model.ops.alloc2f(n_in, n_out))
    model.set_param("U", cast(Floats2d, U.astype("float32")))
    model.set_param("b", model.ops.alloc1f(n_out))
    model.set_param("c", model.ops.alloc1f(n_hidden))
    model.set_param("V", model.ops.alloc2f(n_hidden, n_out))


def project(W: np.ndarray, X: SparseRows) -> np.ndarray:
    """``X @ W`` for the sparse batch ``X``.

    One small gather and vector-matrix product per doc: the rows it touches stay
    in cache, several times faster than one big gather for the whole batch (or
    thinc's ``SparseLinear``, whose class-major weights stride through memory).
    """
    out = np.empty((len(X.lengths), W.shape[1]), dtype="float32")
    ends = np.concatenate([[0], np.cumsum(X.lengths)]).tolist()
    features, values = X.features, X.values
    for i in range(len(X.lengths)):
        start, end = ends[i], ends[i + 1]
        out[i] = values[start:end] @ W[features[start:end]]
    return out


def _segment_sums(entries: np.ndarray, segments: np.ndarray, n_segments: int) -> np.ndarray:
    """Sum the rows of ``entries`` per segment id (``segments`` sorted ascending);
    ``np.add.reduceat`` over segment starts is much faster than ``np.add.at``."""
    out = np.zeros((n_segments, entries.shape[1]), dtype="float32")
    if len(segments):
        ids, starts = np.unique(segments, return_index=True)
        out[ids] = np.add.reduceat(entries, starts, axis=0)
    return out


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _drop_entries(X: SparseRows, rate: float) -> SparseRows:
    keep = np.random.random_sample(len(X.values)) >= rate
    rows = X.rows[keep]
    lengths = np.bincount(rows, minlength=len(X.lengths)).astype("int32")
    return SparseRows(X.features[keep], X.values[keep] / (1.0 - rate), lengths, rows)


def _forward(
    model: Model[SparseRows, Floats2d], X: SparseRows, is_train: bool
) -> tuple[Floats2d, Callable[[Floats2d], SparseRows]]:
    W, b, U, c, V = (cast(np.ndarray, model.get_param(p)) for p in ("W", "b", "U", "c", "V"))
    rate = float(model.attrs["dropout_rate"]) if is_train else 0.0
    if rate > 0.0:
        X = _drop_entries(X, rate)
    pre = (project(U, X) if U.shape[1] else np.zeros((len(X.lengths), 0), "float32")) + c
    slope = (pre > 0).astype("float32")  # d hidden / d pre: the ReLU, times the dropout mask
    if rate > 0.0:
        slope *= (np.random.random_sample(pre.shape) >= rate) / (1.0 - rate)
    hidden = pre * slope
    scores = project(W, X) + b
    if V.shape[0]:
        scores += hidden @ V
    probs = _softmax(scores)

    def backprop(d_output: Floats2d) -> SparseRows:
        d_scores = cast(np.ndarray, d_output)
        d_hidden = (d_scores @ V.T) * slope
        order = np.argsort(X.features, kind="stable")
        features, values, rows = X.features[order], X.values[order, None], X.rows[order]
        grads = {
            "W": _segment_sums(d_scores[rows] * values, features, W.shape[0]),
            "U": _segment_sums(d_hidden[rows] * values, features, U.shape[0]),
            "b": d_scores.sum(axis=0),
            "c": d_hidden.sum(axis=0),
            "V": hidden.T @ d_scores,
        }
        for name, grad in grads.items():
            model.inc_grad(name, cast(Floats2d, grad))
        return X

    return cast(Floats2d, probs), backprop
