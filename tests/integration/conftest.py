import pytest

from tests.factories import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
