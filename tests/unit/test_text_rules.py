"""What text Frontdesk accepts: limits, control characters, Unicode normal form."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import text_rules
from domain.errors import InvalidInput

CONTROL = ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ud800"]
"""NUL, BEL, backspace, ESC, DEL, C1 NEL, line/paragraph separators, a lone surrogate."""


def refused(fn: object, *args: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        fn(*args)  # type: ignore[operator]
    return caught.value


# subject (one line)


def test_subject_is_trimmed() -> None:
    assert text_rules.subject("  Printer on fire \n") == "Printer on fire"


def test_subject_is_put_in_nfc() -> None:
    decomposed = "Cafe\u0301"
    assert text_rules.subject(decomposed) == "Caf\u00e9"


@pytest.mark.parametrize("text", ["", " ", "\n\t ", "\u3000"])
def test_empty_or_blank_subject_is_refused(text: str) -> None:
    error = refused(text_rules.subject, text)
    assert (error.code, error.field, error.message) == (
        "INVALID_INPUT",
        "subject",
        "Subject must not be empty.",
    )


def test_subject_at_the_limit_is_accepted() -> None:
    assert text_rules.subject("x" * 500) == "x" * 500


def test_subject_over_the_limit_is_refused() -> None:
    error = refused(text_rules.subject, "x" * 501)
    assert error.field == "subject"
    assert error.message == "Subject is 501 characters; the limit is 500."


def test_subject_length_is_counted_after_nfc() -> None:
    """500 composed characters, sent decomposed (1000 code points), fit."""
    assert text_rules.subject("e\u0301" * 500) == "\u00e9" * 500


@pytest.mark.parametrize("ch", CONTROL)
def test_control_characters_in_a_subject_are_refused(ch: str) -> None:
    error = refused(text_rules.subject, f"before{ch}after")
    assert error.field == "subject"
    assert error.message == (
        f"Subject contains a control character (U+{ord(ch):04X}), which is not allowed."
    )


@pytest.mark.parametrize("ch", ["\n", "\r", "\t"])
def test_line_breaks_and_tabs_inside_a_subject_are_refused(ch: str) -> None:
    assert refused(text_rules.subject, f"one{ch}two").field == "subject"


@pytest.mark.parametrize(
    "text",
    [
        "Facture en double 🔥",
        "👩‍👩‍👧 family emoji (ZWJ)",
        "שלום, החשבון שלי נחסם",
        "مرحبا، لا أستطيع الدخول",
        "\u202eright-to-left override",
        "打印机着火了",
        "zero\u200bwidth space",
    ],
)
def test_unicode_subjects_are_kept_as_written(text: str) -> None:
    assert text_rules.subject(text) == text


# bodies (multi-line)


def test_body_keeps_line_breaks_tabs_and_surrounding_whitespace() -> None:
    text = "  Hello,\r\n\tline two\n\n"
    assert text_rules.body(text, "description", "Description") == text


def test_body_is_put_in_nfc() -> None:
    assert text_rules.body("n\u0303", "content", "Message") == "\u00f1"


@pytest.mark.parametrize("text", ["", "\n\n", " \t "])
def test_blank_body_is_refused(text: str) -> None:
    error = refused(text_rules.body, text, "content", "Message")
    assert (error.field, error.message) == ("content", "Message must not be empty.")


@pytest.mark.parametrize("ch", [*CONTROL, "\x0b", "\x0c"])
def test_control_characters_in_a_body_are_refused(ch: str) -> None:
    error = refused(text_rules.body, f"a{ch}b", "description", "Description")
    assert error.field == "description"
    assert error.message.startswith(f"Description contains a control character (U+{ord(ch):04X})")


def test_body_limit() -> None:
    assert len(text_rules.body("x" * text_rules.BODY_MAX, "content", "Message")) == 65_536
    error = refused(text_rules.body, "x" * (text_rules.BODY_MAX + 1), "content", "Message")
    assert error.message == "Message is 65,537 characters; the limit is 65,536."


# tags


def test_tags_are_lower_cased_and_deduplicated_in_order() -> None:
    assert text_rules.tags(["VIP", " billing ", "vip", "Café", "eu-west/1"]) == [
        "vip",
        "billing",
        "café",
        "eu-west/1",
    ]


def test_twenty_tags_are_accepted_and_twenty_one_refused() -> None:
    assert len(text_rules.tags([f"t{i}" for i in range(20)])) == 20
    error = refused(text_rules.tags, [f"t{i}" for i in range(21)])
    assert (error.field, error.message) == ("tags", "At most 20 tags are allowed.")


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("", "A tag must not be empty."),
        ("   ", "A tag must not be empty."),
        ("x" * 51, "A tag is 51 characters; the limit is 50."),
        ("a\x00b", "A tag contains a control character (U+0000), which is not allowed."),
        ("bad!tag", "Tag 'bad!tag' may hold letters, digits, spaces and . : / + - _ only."),
        ("-leading", "Tag '-leading' may hold letters, digits, spaces and . : / + - _ only."),
        ("🔥", "Tag '🔥' may hold letters, digits, spaces and . : / + - _ only."),
    ],
)
def test_malformed_tags_are_refused(tag: str, message: str) -> None:
    error = refused(text_rules.tags, ["fine", tag])
    assert (error.field, error.message) == ("tags", message)


# lookups: category keys and search terms (PostgreSQL refuses NUL in any text)


def test_category_key_is_trimmed_and_upper_cased() -> None:
    assert text_rules.category_key(" billing ") == "BILLING"


@pytest.mark.parametrize("key", ["", "a\x00b", "x" * 41])
def test_bad_category_keys_are_refused(key: str) -> None:
    assert refused(text_rules.category_key, key).field == "categoryKey"


@pytest.mark.parametrize("term", [None, "", "   "])
def test_blank_search_means_no_search(term: str | None) -> None:
    assert text_rules.search(term) is None


def test_search_is_trimmed_and_checked() -> None:
    assert text_rules.search("  שלום ") == "שלום"
    assert refused(text_rules.search, "a\x00").message == (
        "Search contains a control character (U+0000), which is not allowed."
    )
    assert refused(text_rules.search, "x" * 201).message == (
        "Search is 201 characters; the limit is 200."
    )


# email


def test_email_is_lower_cased() -> None:
    assert text_rules.email(" Ann@Example.COM ") == "ann@example.com"


@pytest.mark.parametrize("text", ["ann", "ann@", "ann@example", "a b@example.com", "@example.com"])
def test_non_addresses_are_refused(text: str) -> None:
    assert refused(text_rules.email, text).field == "email"


# any input at all


@given(st.text(max_size=600))
def test_a_subject_is_refused_or_clean(text: str) -> None:
    """Whatever arrives: a clear InvalidInput, or a one-line NFC string within the limit."""
    try:
        clean = text_rules.subject(text)
    except InvalidInput as error:
        assert error.field == "subject"
        return
    assert clean == clean.strip()
    assert clean
    assert len(clean) <= text_rules.SUBJECT_MAX
    assert unicodedata.is_normalized("NFC", clean)
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in clean)
