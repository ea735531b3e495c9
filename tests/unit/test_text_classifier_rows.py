"""Mini-batches sliced from the featurised training set equal featurising the batch."""

from pathlib import Path

import numpy as np
import spacy

from adapters.text_classifier.architecture import TicketTextcat, fit_vocabulary
from adapters.text_classifier.features import featurise
from adapters.text_classifier.labelled_csv import read_labelled_csv
from adapters.text_classifier.sparse_rows import take_rows

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "support_tickets.csv"


def test_take_rows_matches_featurising_the_batch_itself() -> None:
    texts = read_labelled_csv(FIXTURE, "text", "category").texts
    nlp = spacy.blank("en")
    docs = [nlp.make_doc(text) for text in texts]
    model = TicketTextcat(nO=4)
    fit_vocabulary(model, docs)
    features = model.get_ref("features")
    every_row = featurise(features, docs)
    batch = np.array([5, 0, 17, 3, 3])  # any order, repeats allowed

    sliced = take_rows(every_row, batch)
    direct = featurise(features, [docs[i] for i in batch])

    for name in ("features", "values", "lengths", "rows"):
        assert np.array_equal(getattr(sliced, name), getattr(direct, name)), name
    assert len(sliced.values) > 0
