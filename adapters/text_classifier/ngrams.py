"""What a ticket's n-grams are: the text side of the featuriser, plain strings.

Kept apart from the layer (``features``) and from the per-word-type cache
(``word_types``) so the vocabulary fitting and the fast inference path share
one definition of a term and of its n-grams.
"""

from collections.abc import Sequence

from spacy.tokens import Doc

_DIGITS = str.maketrans("0123456789", "0000000000")


def term(lower: str) -> str:
    """A lower-cased word form with digits folded to 0 (ids and amounts vary,
    their shape does not)."""
    return lower.translate(_DIGITS)


def terms(doc: Doc) -> list[str]:
    """The doc's terms in order; punctuation and whitespace carry no topic."""
    return [term(t.lower_) for t in doc if not (t.is_punct or t.is_space)]


def word_ngrams(words: Sequence[str], max_n: int) -> list[str]:
    """Uni-grams up to ``max_n``-grams of ``words``."""
    grams = list(words)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return grams


def char_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """Character ``min_n``..``max_n``-grams of ``word`` padded with a space at
    both ends, like scikit-learn's ``char_wb``."""
    padded = f" {word} "
    size = len(padded)
    return [padded[i : i + n] for n in range(min_n, max_n + 1) for i in range(size - n + 1)]
