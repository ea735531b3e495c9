"""The fast featuriser computes exactly the TF-IDF rows its definition gives.

``reference_rows`` below is the definition written as plainly as possible (token
attributes, ``Counter``, one doc at a time); ``featurise`` caches per word type
and works on whole batches, and must agree with it on every feature and value.
"""

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.tokens import Doc
from thinc.api import Model

from adapters.text_classifier import word_types
from adapters.text_classifier.architecture import TicketTextcat, fit_vocabulary
from adapters.text_classifier.features import featurise
from adapters.text_classifier.labelled_csv import read_labelled_csv
from adapters.text_classifier.sparse_rows import SparseRows

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "support_tickets.csv"
TRICKY = [
    "",
    "   ",
    "!!! ... ???",
    "Refund refund REFUND, refund! refunds",
    "délivery late 123, order #A-4711 costs $19.99",
    "password\n\nreset  now\tplease",
    "zzzqqq xyzzy never seen",
    "I can't log in :( 😀 help",
    "the the the the the",
]


def reference_rows(model: Model[list[Doc], SparseRows], docs: list[Doc]) -> list[dict[int, float]]:
    attrs = model.attrs
    word_vocab: dict[str, int] = attrs["word_vocab"]
    char_vocab: dict[str, int] = attrs["char_vocab"]
    idf = np.asarray(model.get_param("idf"))
    digits = str.maketrans("0123456789", "0" * 10)
    out = []
    for doc in docs:
        words = [t.lower_.translate(digits) for t in doc if not (t.is_punct or t.is_space)]
        grams = [
            " ".join(words[i : i + n])
            for n in range(1, attrs["word_max_n"] + 1)
            for i in range(len(words) - n + 1)
        ]
        chars = [
            f" {w} "[i : i + n]
            for w in words
            for n in range(attrs["char_min_n"], attrs["char_max_n"] + 1)
            for i in range(len(w) + 3 - n)
        ]
        row: dict[int, float] = {}
        for found, vocab, offset in (
            (grams, word_vocab, 0),
            (chars, char_vocab, len(word_vocab)),
        ):
            counts = Counter(offset + vocab[g] for g in found if g in vocab)
            view = {f: (1.0 + math.log(c)) * float(idf[f]) for f, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in view.values()))
            row.update({f: v / norm for f, v in view.items()})
        out.append(row)
    return out


@pytest.fixture(params=[2, 1, 3], ids=lambda n: f"word_max_n={n}")
def fitted(request: pytest.FixtureRequest) -> tuple[Model[list[Doc], SparseRows], list[Doc]]:
    texts = read_labelled_csv(FIXTURE, "text", "category").texts
    nlp = spacy.blank("en")
    model = TicketTextcat(word_max_n=request.param, nO=4)
    fit_vocabulary(model, [nlp.make_doc(t) for t in texts])
    docs = [nlp.make_doc(t) for t in [*TRICKY, *texts, *TRICKY]]
    return model.get_ref("features"), docs


def assert_rows_match(X: SparseRows, expected: list[dict[int, float]]) -> None:
    assert X.lengths.tolist() == [len(row) for row in expected]
    assert X.rows.tolist() == [i for i, row in enumerate(expected) for _ in row]
    ends = np.cumsum(X.lengths).tolist()
    for start, end, row in zip([0, *ends[:-1]], ends, expected, strict=True):
        assert X.features[start:end].tolist() == sorted(row)
        assert np.allclose(X.values[start:end], [row[f] for f in sorted(row)], rtol=1e-6)
    assert [a.dtype.name for a in (X.features, X.values, X.lengths)] == [
        "int32",
        "float32",
        "int32",
    ]


def test_featurise_equals_the_definition(
    fitted: tuple[Model[list[Doc], SparseRows], list[Doc]],
) -> None:
    features, docs = fitted

    X = featurise(features, docs)

    assert_rows_match(X, reference_rows(features, docs))
    assert X.lengths[TRICKY.index("zzzqqq xyzzy never seen")] > 0  # known char n-grams
    assert X.lengths[0] == X.lengths[1] == X.lengths[2] == 0  # nothing but blanks/punctuation


def test_a_doc_gets_the_same_row_alone_or_in_any_batch(
    fitted: tuple[Model[list[Doc], SparseRows], list[Doc]],
) -> None:
    features, docs = fitted
    together = featurise(features, docs)
    ends = np.cumsum(together.lengths).tolist()

    for i in (3, 4, 20, len(docs) - 1):
        alone = featurise(features, [docs[i]])
        start, end = ([0, *ends][i], ends[i])
        assert alone.features.tolist() == together.features[start:end].tolist()
        assert np.array_equal(alone.values, together.values[start:end])


def test_a_full_word_type_cache_starts_over_without_changing_the_rows(
    fitted: tuple[Model[list[Doc], SparseRows], list[Doc]], monkeypatch: pytest.MonkeyPatch
) -> None:
    features, docs = fitted
    expected = featurise(features, docs)
    monkeypatch.setattr(word_types, "CACHE_LIMIT", 5)

    again = featurise(features, docs)

    assert np.array_equal(expected.features, again.features)
    assert np.array_equal(expected.values, again.values)


def test_the_word_type_cache_is_not_saved_with_the_model(
    fitted: tuple[Model[list[Doc], SparseRows], list[Doc]],
) -> None:
    features, docs = fitted
    before = features.to_bytes()

    featurise(features, docs)

    assert features.to_bytes() == before


def test_refitting_the_vocabulary_drops_the_cached_word_types() -> None:
    nlp = spacy.blank("en")
    model = TicketTextcat(nO=2)
    features = model.get_ref("features")
    fit_vocabulary(model, [nlp.make_doc("refund my card")])
    featurise(features, [nlp.make_doc("refund now")])

    fit_vocabulary(model, [nlp.make_doc("password reset"), nlp.make_doc("refund now")])
    docs = [nlp.make_doc("refund now"), nlp.make_doc("reset it")]

    assert_rows_match(featurise(features, docs), reference_rows(features, docs))


def test_a_copied_model_featurises_like_the_original(
    fitted: tuple[Model[list[Doc], SparseRows], list[Doc]],
) -> None:
    features, docs = fitted
    expected = featurise(features, docs)  # fills the cache, which the copy deep-copies

    again = featurise(features.copy(), docs)

    assert np.array_equal(expected.features, again.features)
    assert np.array_equal(expected.values, again.values)
