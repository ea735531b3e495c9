"""Forward pages over rows keyed by id: the one paging shape every list uses."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import InvalidInput

PAGE_MAX = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool


def page_size(first: int | None, default: int = 20) -> int:
    size = default if first is None else first
    if not 0 <= size <= PAGE_MAX:
        raise InvalidInput(f"first must be between 0 and {PAGE_MAX}.", field="first")
    return size
