"""A seeded stratified split: the held-out part keeps every label's share."""

from collections import defaultdict
from collections.abc import Sequence

import numpy as np


def stratified_split(
    labels: Sequence[str], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """(kept indices, held-out indices), both ascending.

    Each label gives ``round(fraction * count)`` of its examples to the held-out
    part, at least one when it has two or more and ``fraction`` > 0, and never
    its last one: a label absent from training could not be learnt at all.
    Labels are visited in sorted order, so the split depends only on the seed
    and the data, not on the order labels first appear in.
    """
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    rng = np.random.default_rng(seed)
    held: list[int] = []
    for label in sorted(by_label):
        members = by_label[label]
        n = len(members)
        take = 0 if fraction <= 0 or n < 2 else min(n - 1, max(1, round(fraction * n)))
        held.extend(members[i] for i in rng.permutation(n)[:take])
    held_set = set(held)
    kept = [i for i in range(len(labels)) if i not in held_set]
    return kept, sorted(held)
