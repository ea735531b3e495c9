"""The featuriser's vocabulary compiled per word type: a batch of docs to feature ids.

Featurising one token at a time cost a Python string, a dict lookup and a list
append per character n-gram, and Endava's 43-word tickets carry about 800 of
them each: that was most of the inference time. But all that a token adds on
its own (its uni-gram and its character n-grams) depends only on its word
type, and a token's type (its lexeme: lower-case form, punctuation and space
flags) is fixed by its ``orth`` id. So each type is worked out once, into an
int32 array of the feature ids it adds; a doc is then its orth ids
(``Doc.to_array``, no ``Token`` objects), one dict lookup per token and a
concatenation of arrays. Word bi-grams are looked up as pairs of word ids, for
the whole batch at once (``ngram_table``).

The cache holds word types, not docs, so it stays small (vocabulary is
Zipfian); it starts afresh when it exceeds ``CACHE_LIMIT`` types. Its only
shared state is one dict, whose single lookups and stores are atomic, so
threads classifying at once cannot corrupt it.
"""

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from spacy.tokens import Doc
from spacy.vocab import Vocab

from adapters.text_classifier.ngram_table import UNKNOWN, NgramTable
from adapters.text_classifier.ngrams import char_ngrams, term

CACHE_LIMIT = 200_000  # word types kept; the cache starts afresh when it exceeds it


class _Type(NamedTuple):
    word: int  # the term's word id, or UNKNOWN
    ids: np.ndarray  # int32: the feature ids one occurrence adds (uni-gram, char n-grams)
    dropped: bool = False  # punctuation and whitespace: not a term at all


_DROPPED = _Type(UNKNOWN, np.zeros(0, dtype="int32"), dropped=True)


class WordTypes:
    """Feature ids per word type, for one fitted vocabulary.

    ``word_vocab`` maps word n-grams to ids; ``char_vocab`` maps character
    n-grams to ids, which are offset by ``len(word_vocab)`` in a row.
    """

    def __init__(
        self,
        word_vocab: dict[str, int],
        char_vocab: dict[str, int],
        char_sizes: tuple[int, int],
        word_max_n: int,
    ) -> None:
        self.word_vocab = word_vocab
        self.char_vocab = char_vocab
        self._char_sizes = char_sizes
        self._word_max_n = word_max_n
        self._ngrams = NgramTable(word_vocab)
        self._types: dict[int, _Type] = {}  # orth id -> its type

    def encode(self, docs: Iterable[Doc]) -> tuple[np.ndarray, list[int]]:
        """Every doc's known feature ids, one occurrence per n-gram occurrence,
        concatenated doc after doc (unsorted within a doc), and how many each
        doc has."""
        kept = [self._terms(doc) for doc in docs]
        parts: list[np.ndarray] = []
        lengths: list[int] = []
        for grams, types in zip(self._longer_grams(kept), kept, strict=True):
            arrays = [t.ids for t in types]
            parts.append(grams)
            parts.extend(arrays)
            lengths.append(len(grams) + sum(map(len, arrays)))
        return (np.concatenate(parts) if parts else _DROPPED.ids.copy()), lengths

    def _terms(self, doc: Doc) -> list[_Type]:
        """The types of the doc's terms (punctuation and whitespace left out), in order."""
        if len(self._types) > CACHE_LIMIT:
            self._types = {}
        known = self._types
        orths: list[int] = doc.to_array("ORTH").tolist()
        found = list(map(known.get, orths))
        if None in found:
            found = [
                self._add(doc.vocab, orth) if t is None else t
                for orth, t in zip(orths, found, strict=True)
            ]
        return [t for t in found if t is not None and not t.dropped]

    def _longer_grams(self, kept: list[list[_Type]]) -> list[np.ndarray]:
        """Per doc, the ids of its known word bi-grams (and longer, if configured).

        Looked up for the whole batch at once, as numbers: an n-gram is its
        (n-1)-gram prefix's id and its last word's id (``NgramTable``), so no
        string is built per n-gram and the table is searched with numpy.
        """
        words = np.array([t.word for types in kept for t in types], dtype="int64")
        docs = np.repeat(np.arange(len(kept), dtype="int64"), [len(types) for types in kept])
        found_docs, found_ids = self._ngrams.find(words, docs, self._word_max_n)
        per_doc = np.bincount(found_docs, minlength=len(kept)).cumsum()[:-1]
        return np.split(found_ids, per_doc)

    def _add(self, vocab: Vocab, orth: int) -> _Type:
        lexeme = vocab[orth]  # the token's lexeme: the same lower_ and flags
        if lexeme.is_punct or lexeme.is_space:
            self._types[orth] = _DROPPED
            return _DROPPED
        word = term(lexeme.lower_)
        offset = len(self.word_vocab)
        chars = map(self.char_vocab.get, char_ngrams(word, *self._char_sizes))
        ids = [offset + i for i in chars if i is not None]
        word_id = self.word_vocab.get(word, UNKNOWN)
        if word_id != UNKNOWN:
            ids.append(word_id)
        found = _Type(word_id, np.array(ids, dtype="int32"))
        self._types[orth] = found
        return found
