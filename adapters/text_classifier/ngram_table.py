"""Word n-grams (n >= 2) looked up as numbers, a whole batch at once.

Looking bi-grams up by string cost a new string, its hash and a miss in a
dict of several hundred thousand entries per bi-gram: a fifth of Endava's
inference time once the rest was cached per word type (``word_types``). Here
a vocabulary n-gram is keyed by two numbers, the id of its (n-1)-gram prefix
and the id of its last word (``prefix * width + last``), and a batch's
candidates are found with one ``searchsorted`` in the sorted keys.

This finds exactly the n-grams the string lookup finds. The prefix and the
last word of a vocabulary n-gram are in the vocabulary too: every doc that
contains the n-gram contains them, so their document frequency is at least its
own (``min_df``). And a term never contains a space (spaCy splits on spaces
and whitespace tokens are dropped), so splitting an n-gram at its last space
gives back exactly its prefix and last word.
"""

import numpy as np

UNKNOWN = -1  # the id of a word or n-gram outside the vocabulary


class NgramTable:
    """The n-grams of ``word_vocab`` (n >= 2), keyed by prefix id and last word id."""

    def __init__(self, word_vocab: dict[str, int]) -> None:
        self._width = len(word_vocab)
        keys: list[int] = []
        ids: list[int] = []
        for gram, i in word_vocab.items():
            prefix, space, last = gram.rpartition(" ")
            head, tail = word_vocab.get(prefix), word_vocab.get(last)
            if space and head is not None and tail is not None:  # always, for a fitted vocab
                keys.append(head * self._width + tail)
                ids.append(i)
        order = np.argsort(np.array(keys, dtype="int64"))
        self._keys = np.array(keys, dtype="int64")[order]
        self._ids = np.array(ids, dtype="int32")[order]

    def find(
        self, words: np.ndarray, docs: np.ndarray, max_n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary n-grams (2 <= n <= ``max_n``) among consecutive ``words``.

        ``words`` are the word ids of a batch's terms (``UNKNOWN`` if unknown), doc
        after doc; ``docs`` says which doc each belongs to (ascending). Returns
        each n-gram found: its doc and its id, ordered by doc.
        """
        found_docs: list[np.ndarray] = []
        found_ids: list[np.ndarray] = []
        prefixes = words  # ids of the (n-1)-grams starting at each position
        for n in range(2, max_n + 1):
            last = words[n - 1 :]
            starts = docs[: len(last)]
            prefixes = prefixes[: len(last)]
            candidate = (prefixes != UNKNOWN) & (last != UNKNOWN) & (starts == docs[n - 1 :])
            grams = np.full(len(last), UNKNOWN, dtype="int64")
            grams[candidate] = self._lookup(prefixes[candidate] * self._width + last[candidate])
            hit = grams != UNKNOWN
            found_docs.append(starts[hit])
            found_ids.append(grams[hit].astype("int32"))
            prefixes = grams
        if not found_ids:
            return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int32")
        by_doc = np.argsort(np.concatenate(found_docs), kind="stable")
        return np.concatenate(found_docs)[by_doc], np.concatenate(found_ids)[by_doc]

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        if not len(self._keys):
            return np.full(len(keys), UNKNOWN, dtype="int64")
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return np.where(self._keys[at] == keys, self._ids[at], UNKNOWN)
