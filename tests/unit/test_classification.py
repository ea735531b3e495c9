"""Choosing a category: keyword rules without a model, and the confidence threshold."""

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
