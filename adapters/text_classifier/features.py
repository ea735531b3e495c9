"""Docs -> sparse TF-IDF rows over word n-grams and in-word character n-grams.

Ticket text is short, informal and full of typos, product names and ids. Word
uni/bi-grams carry the meaning; character n-grams inside each word (padded with
a space at both ends, like scikit-learn's ``char_wb``) generalise to spellings,
inflections and compounds the training set never showed. Both views are
weighted like TF-IDF (sublinear term frequency times smoothed IDF) and each is
L2-normalised on its own, so a long ticket and a one-liner land on the same
scale and neither view drowns the other.

The vocabulary and IDF are fitted once on the whole training set (``fit``), not
on the ten documents spaCy's ``initialize`` shows a model; they travel with the
pipeline (``attrs`` and a frozen ``idf`` parameter), so a saved model reloads
with ``spacy.load``.

Inference speed is decided here: the feature ids a word adds are compiled once
per word type (``word_types``), and each doc's ids are sorted on their own and
counted with array operations. The rows are exactly those of the plain
definition (``ngrams``; the tests compare with a reference featuriser).
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
from spacy.tokens import Doc
from thinc.api import Model, registry
from thinc.types import Floats1d

from adapters.text_classifier.ngrams import char_ngrams, terms, word_ngrams
from adapters.text_classifier.sparse_rows import SparseRows
from adapters.text_classifier.word_types import WordTypes

_TYPES = "_word_types"  # attrs key of the WordTypes cache (thinc cannot serialise it: not saved)


@registry.layers("frontdesk.TicketFeatures.v1")
def TicketFeatures(
    word_max_n: int = 2, char_min_n: int = 2, char_max_n: int = 5, min_df: int = 1
) -> Model[list[Doc], SparseRows]:
    """The featuriser layer; empty until ``fit`` gives it a vocabulary."""
    return Model(
        "ticket_features",
        _forward,
        params={"idf": None},
        attrs={
            "word_max_n": word_max_n,
            "char_min_n": char_min_n,
            "char_max_n": char_max_n,
            "min_df": min_df,
            "word_vocab": {},
            "char_vocab": {},
        },
    )


def fit(model: Model[list[Doc], SparseRows], docs: Sequence[Doc]) -> int:
    """Choose the n-grams seen in at least ``min_df`` training docs, set their IDF;
    return the number of features (the next layer's input width)."""
    attrs = model.attrs
    word_df: Counter[str] = Counter()
    char_df: Counter[str] = Counter()
    for doc in docs:
        words = terms(doc)
        word_df.update(set(word_ngrams(words, attrs["word_max_n"])))
        char_df.update(
            {
                g
                for w in set(words)
                for g in char_ngrams(w, attrs["char_min_n"], attrs["char_max_n"])
            }
        )
    word_vocab = _vocabulary(word_df, attrs["min_df"])
    char_vocab = _vocabulary(char_df, attrs["min_df"])
    n_docs = len(docs)
    dfs = [word_df[g] for g in word_vocab] + [char_df[g] for g in char_vocab]
    idf = np.array([math.log((1 + n_docs) / (1 + df)) + 1.0 for df in dfs], dtype="float32")
    attrs["word_vocab"] = word_vocab
    attrs["char_vocab"] = char_vocab
    model.set_param("idf", cast(Floats1d, idf))
    return len(idf)


def _vocabulary(df: Counter[str], min_df: int) -> dict[str, int]:
    kept = sorted(g for g, n in df.items() if n >= min_df)  # sorted: same ids every run
    return {g: i for i, g in enumerate(kept)}


def _forward(
    model: Model[list[Doc], SparseRows], docs: list[Doc], is_train: bool
) -> tuple[SparseRows, Any]:
    rows = featurise(model, docs)

    def backprop(d_rows: SparseRows) -> list[Doc]:
        return []  # nothing below to train

    return rows, backprop


def word_types(model: Model[list[Doc], SparseRows]) -> WordTypes:
    """The model's per-word-type cache, rebuilt when the vocabulary is not the one
    it was built for (``fit``, or ``spacy.load`` replacing the attrs)."""
    attrs = model.attrs
    types = attrs.get(_TYPES)
    if not (
        isinstance(types, WordTypes)
        and types.word_vocab is attrs["word_vocab"]
        and types.char_vocab is attrs["char_vocab"]
    ):
        sizes = (attrs["char_min_n"], attrs["char_max_n"])
        types = WordTypes(attrs["word_vocab"], attrs["char_vocab"], sizes, attrs["word_max_n"])
        attrs[_TYPES] = types
        attrs.pop("_cache", None)  # the per-word cache that models saved before this carry
    return types


def featurise(model: Model[list[Doc], SparseRows], docs: Iterable[Doc]) -> SparseRows:
    """One sparse row per doc, features sorted, values TF-IDF with L2 norm per view."""
    features, lengths = word_types(model).encode(docs)
    idf = cast(np.ndarray, model.get_param("idf"))
    return _tfidf_rows(features, lengths, idf, len(model.attrs["word_vocab"]))


def _count(features: np.ndarray, lengths: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each doc's distinct features (sorted), their doc and their count.

    ``features`` holds every doc's ids, doc after doc; each doc's stretch is
    sorted in place on its own: a few hundred ids stay in cache and sort about
    ten times faster than the batch's (doc, feature) keys sorted together.
    """
    ends = np.cumsum(lengths, dtype="int64")
    starts = ends - np.asarray(lengths, dtype="int64")
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        features[start:end].sort()
    first = np.ones(len(features), dtype=bool)  # where a (doc, feature) run begins
    np.not_equal(features[1:], features[:-1], out=first[1:])
    first[starts[starts < ends]] = True
    where = np.flatnonzero(first)
    counts = np.diff(where, append=len(features))
    rows = np.repeat(np.arange(len(lengths), dtype="int64"), lengths)
    return features[where], rows[where], counts


def _tfidf_rows(
    features: np.ndarray, lengths: list[int], idf: np.ndarray, n_words: int
) -> SparseRows:
    features, rows, counts = _count(features, lengths)
    n_docs = len(lengths)
    values = (1.0 + np.log(counts)) * idf[features]
    view = rows * 2 + (features >= n_words)  # (doc, word view) or (doc, char view)
    norms = np.sqrt(np.bincount(view, weights=values * values, minlength=2 * n_docs))
    values = values / np.maximum(norms[view], 1e-12)
    found = np.bincount(rows, minlength=n_docs)  # distinct features per doc
    return SparseRows(
        features.astype("int32"), values.astype("float32"), found.astype("int32"), rows
    )
