from domain.notifications import RetryPolicy


def test_backoff_doubles_from_the_first_wait() -> None:
    retry = RetryPolicy(first_backoff_seconds=10, max_backoff_seconds=3600)
    assert [retry.backoff(n) for n in range(1, 6)] == [10, 20, 40, 80, 160]


def test_backoff_is_capped() -> None:
    retry = RetryPolicy(first_backoff_seconds=10, max_backoff_seconds=3600)
    assert retry.backoff(9) == 2560
    assert retry.backoff(10) == 3600
    assert retry.backoff(10_000) == 3600  # no overflow however many attempts


def test_backoff_before_any_attempt_is_the_first_wait() -> None:
    assert RetryPolicy(first_backoff_seconds=5).backoff(0) == 5
