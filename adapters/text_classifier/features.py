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
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
from spacy.tokens import Doc
from thinc.api import Model, registry
from thinc.types import Floats1d

from adapters.text_classifier.sparse_rows import SparseRows

_DIGITS = str.maketrans("0123456789", "0000000000")
_CACHE_LIMIT = 200_000  # word types whose n-gram ids are kept; cleared when full


def terms(doc: Doc) -> list[str]:
    """Lower-cased word forms with digits folded to 0 (ids and amounts vary, their
    shape does not); punctuation and whitespace carry no topic."""
    return [t.lower_.translate(_DIGITS) for t in doc if not (t.is_punct or t.is_space)]


def word_ngrams(words: Sequence[str], max_n: int) -> list[str]:
    grams = list(words)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return grams


def char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    padded = f" {word} "
    size = len(padded)
    return [padded[i : i + n] for n in range(min_n, max_n + 1) for i in range(size - n + 1)]


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
    model.attrs.pop("_cache", None)
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


def _char_ids(model: Model[list[Doc], SparseRows], word: str) -> list[int]:
    """Known character n-gram ids of one word type, cached: vocabulary is Zipfian,
    so most tokens of a batch hit the cache and cost one dict lookup."""
    cache: dict[str, list[int]] = model.attrs.setdefault("_cache", {})
    ids = cache.get(word)
    if ids is None:
        attrs = model.attrs
        vocab: dict[str, int] = attrs["char_vocab"]
        offset = len(attrs["word_vocab"])
        grams = char_ngrams(word, attrs["char_min_n"], attrs["char_max_n"])
        ids = [offset + i for i in (vocab.get(g) for g in grams) if i is not None]
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[word] = ids
    return ids


def featurise(model: Model[list[Doc], SparseRows], docs: Iterable[Doc]) -> SparseRows:
    """One sparse row per doc, features sorted, values TF-IDF with L2 norm per view."""
    word_vocab: dict[str, int] = model.attrs["word_vocab"]
    n_words = len(word_vocab)
    word_max_n = model.attrs["word_max_n"]
    row_ids: list[int] = []
    feature_ids: list[int] = []
    n_docs = 0
    for row, doc in enumerate(docs):
        n_docs += 1
        words = terms(doc)
        ids = [i for i in map(word_vocab.get, word_ngrams(words, word_max_n)) if i is not None]
        for word in words:
            ids.extend(_char_ids(model, word))
        feature_ids.extend(ids)
        row_ids.extend([row] * len(ids))
    idf = cast(np.ndarray, model.get_param("idf"))
    return _tfidf_rows(
        np.asarray(row_ids, dtype="int64"),
        np.asarray(feature_ids, dtype="int64"),
        n_docs,
        idf,
        n_words,
    )


def _tfidf_rows(
    rows: np.ndarray, features: np.ndarray, n_docs: int, idf: np.ndarray, n_words: int
) -> SparseRows:
    width = max(len(idf), 1)
    keys, counts = np.unique(rows * width + features, return_counts=True)
    rows, features = np.divmod(keys, width)
    values = (1.0 + np.log(counts)) * idf[features]
    view = rows * 2 + (features >= n_words)  # (doc, word view) or (doc, char view)
    norms = np.sqrt(np.bincount(view, weights=values * values, minlength=2 * n_docs))
    values = values / np.maximum(norms[view], 1e-12)
    lengths = np.bincount(rows, minlength=n_docs)
    return SparseRows(
        features.astype("int32"), values.astype("float32"), lengths.astype("int32"), rows
    )
