"""Choosing a category: keyword rules without a model, and the confidence threshold."""

import re

from hypothesis import given
from hypothesis import strategies as st

from domain.classification import choose, keyword_guess
from domain.enums import CategorySource
from domain.ports import TextGuess

KEYWORDS = {
    "BILLING": ["invoice", "refund", "charged twice"],
    "TECHNICAL": ["error", "crash", "api"],
}


def test_the_category_with_most_keyword_hits_wins() -> None:
    guess = keyword_guess("I was charged twice, please refund the invoice. No error.", KEYWORDS)
    assert guess == TextGuess("BILLING", 0.75)


def test_no_hit_or_a_tie_leaves_it_to_a_human() -> None:
    assert keyword_guess("Hello there", KEYWORDS) is None
    assert keyword_guess("refund after the crash", KEYWORDS) is None


def test_keywords_match_whole_words() -> None:
    assert keyword_guess("rapid response", KEYWORDS) is None


WORDS = ["Invoice", "refund", "charged", "twice", "error", "api", "ápi", "crash", "c++", "the"]


def _hits_one_pattern_per_keyword(text: str, keywords: dict[str, list[str]]) -> dict[str, int]:
    """The plain definition: count each keyword's whole-word matches in the text."""
    lowered = text.lower()
    hits = {
        key: sum(len(re.findall(rf"\b{re.escape(w.lower())}\b", lowered)) for w in words if w)
        for key, words in keywords.items()
    }
    return {k: v for k, v in hits.items() if v}


@given(
    st.lists(st.sampled_from([*WORDS, " ", ", ", ".", "-", "x"]), max_size=30).map("".join),
    st.dictionaries(
        st.sampled_from(["A", "B", "C"]),
        st.lists(st.sampled_from([*WORDS, "charged twice", "", "CRASH"]), max_size=4),
    ),
)
def test_keyword_hits_are_exactly_the_whole_word_matches(
    text: str, keywords: dict[str, list[str]]
) -> None:
    hits = _hits_one_pattern_per_keyword(text, keywords)
    ranked = sorted(hits.values(), reverse=True)
    guess = keyword_guess(text, keywords)
    if not hits or (len(ranked) > 1 and ranked[0] == ranked[1]):
        assert guess is None
    else:
        best = max(hits, key=hits.__getitem__)
        assert guess == TextGuess(best, hits[best] / sum(hits.values()))


def test_below_the_threshold_nothing_is_chosen_but_the_guess_is_kept() -> None:
    keys = {"BILLING", "TECHNICAL"}
    unsure = choose(TextGuess("billing", 0.4), CategorySource.MODEL, keys, 0.5, "v1")
    assert (unsure.key, unsure.label, unsure.confidence, unsure.source) == (
        None,
        "billing",
        0.4,
        None,
    )
    sure = choose(TextGuess("billing", 0.8), CategorySource.MODEL, keys, 0.5, "v1")
    assert (sure.key, sure.source, sure.model_version) == ("BILLING", CategorySource.MODEL, "v1")


def test_a_label_that_is_not_a_category_here_is_not_trusted() -> None:
    choice = choose(TextGuess("card_arrival", 0.99), CategorySource.MODEL, {"BILLING"}, 0.5)
    assert choice.key is None
