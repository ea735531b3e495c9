"""The registered spaCy architecture: ``frontdesk.TicketTextcat.v1``.

Registered under spaCy's ``architectures`` so a saved pipeline's config names it
and ``spacy.load`` rebuilds it; importing this package registers it.
"""

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, chain
from thinc.types import Floats2d

from adapters.text_classifier.features import TicketFeatures
from adapters.text_classifier.features import fit as fit_features
from adapters.text_classifier.sparse_softmax import SparseSoftmax

ARCHITECTURE = "frontdesk.TicketTextcat.v1"


def TicketTextcat(
    *,
    word_max_n: int = 2,
    char_min_n: int = 2,
    char_max_n: int = 5,
    min_df: int = 1,
    hidden: int = 0,
    dropout: float = 0.0,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """TF-IDF word and character n-grams into a softmax over the labels."""
    features = TicketFeatures(word_max_n, char_min_n, char_max_n, min_df)
    head = SparseSoftmax(nO=nO, hidden=hidden, dropout=dropout)
    model: Model[list[Doc], Floats2d] = chain(features, head)
    model.set_ref("features", features)
    model.set_ref("head", head)
    return model


registry.architectures.register(ARCHITECTURE, func=TicketTextcat)


def fit_vocabulary(model: Model[list[Doc], Floats2d], docs: list[Doc]) -> None:
    """Fit the featuriser on the whole training set and size the head to match."""
    width = fit_features(model.get_ref("features"), docs)
    model.get_ref("head").set_dim("nI", width, force=True)
