"""What text Frontdesk accepts from users, and how it is normalised.

Unicode is welcome; control characters that break terminals, logs or
PostgreSQL (NUL) are refused with a message naming the field, never stripped
silently: nothing a user wrote is changed behind their back except NFC form and
surrounding whitespace of one-line fields.
"""

import re
import unicodedata

from domain.errors import InvalidInput

SUBJECT_MAX = 500
BODY_MAX = 65_536
NAME_MAX = 200
TAG_MAX = 50
TAGS_MAX = 20
CATEGORY_KEY_MAX = 40
SEARCH_MAX = 200

_MULTILINE_ALLOWED = {"\n", "\r", "\t"}
_TAG_RE = re.compile(r"^[\w][\w .:/+-]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _bad_char(text: str, allowed: set[str]) -> str | None:
    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in ("\u2028", "\u2029"):
            return ch
    return None


def _check(text: str, field: str, label: str, max_len: int, *, multiline: bool) -> str:
    text = unicodedata.normalize("NFC", text)
    if not multiline:
        text = text.strip()
    if not text.strip():
        raise InvalidInput(f"{label} must not be empty.", field=field)
    if len(text) > max_len:
        raise InvalidInput(
            f"{label} is {len(text):,} characters; the limit is {max_len:,}.", field=field
        )
    bad = _bad_char(text, _MULTILINE_ALLOWED if multiline else set())
    if bad is not None:
        raise InvalidInput(
            f"{label} contains a control character (U+{ord(bad):04X}), which is not allowed.",
            field=field,
        )
    return text


def one_line(text: str, field: str, label: str, max_len: int = NAME_MAX) -> str:
    return _check(text, field, label, max_len, multiline=False)


def subject(text: str, field: str = "subject") -> str:
    return _check(text, field, "Subject", SUBJECT_MAX, multiline=False)


def body(text: str, field: str, label: str) -> str:
    return _check(text, field, label, BODY_MAX, multiline=True)


def tags(values: list[str], field: str = "tags") -> list[str]:
    """Lower-cased, de-duplicated in order; each must look like a tag."""
    if len(values) > TAGS_MAX:
        raise InvalidInput(f"At most {TAGS_MAX} tags are allowed.", field=field)
    seen: dict[str, None] = {}
    for raw in values:
        tag = one_line(raw, field, "A tag", TAG_MAX).lower()
        if not _TAG_RE.match(tag):
            raise InvalidInput(
                f"Tag {tag!r} may hold letters, digits, spaces and . : / + - _ only.",
                field=field,
            )
        seen[tag] = None
    return list(seen)


def category_key(text: str, field: str = "categoryKey") -> str:
    """A category key as looked up: trimmed, upper-cased, no control characters."""
    return one_line(text, field, "Category key", CATEGORY_KEY_MAX).upper()


def search(text: str | None, field: str = "search") -> str | None:
    """A search term, or None when blank: PostgreSQL refuses NUL, so it is checked here."""
    if text is None or not text.strip():
        return None
    return one_line(text, field, "Search", SEARCH_MAX)


def email(text: str, field: str = "email") -> str:
    value = one_line(text, field, "Email", 320).lower()
    if not _EMAIL_RE.match(value):
        raise InvalidInput(f"{value!r} is not an email address.", field=field)
    return value
