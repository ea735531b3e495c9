"""The vectorised routing score: the order and the edge cases of the SQL it mirrors."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from domain.routing import RoutingPolicy
from domain.routing_shortlist import best_positions, score_parts


@given(
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=70),
)
def test_best_is_score_descending_then_lower_id_first(scores: list[float], limit: int) -> None:
    ids = np.arange(len(scores), dtype=np.int64)[::-1] * 3  # ids not in score order
    chosen = ids[best_positions(ids, np.array(scores), limit)].tolist()
    expected = sorted(zip(ids.tolist(), scores, strict=True), key=lambda p: (-p[1], p[0]))
    assert chosen == [i for i, _ in expected[:limit]]


def candidate_scores(*columns: np.ndarray, mean: float | None, policy: RoutingPolicy) -> np.ndarray:
    return score_parts(*columns, mean=mean, policy=policy)[3]


def test_speed_is_one_half_when_a_mean_is_unknown_or_both_are_zero() -> None:
    policy = RoutingPolicy(0, 0, 1)
    own = np.array([np.nan, 0.0, 300.0, 900.0])
    ones = np.ones(4)
    known = candidate_scores(ones * 0, ones, ones, own, mean=300.0, policy=policy)
    assert known.tolist() == [0.5, 1.0, 0.5, 0.25]
    zero_mean = candidate_scores(ones * 0, ones, ones, own, mean=0.0, policy=policy)
    assert zero_mean.tolist() == [0.5, 0.5, 0.0, 0.0]
    unknown = candidate_scores(ones * 0, ones, ones, own, mean=None, policy=policy)
    assert unknown.tolist() == [0.5] * 4


def test_the_score_weighs_capacity_skill_and_speed() -> None:
    policy = RoutingPolicy(0.5, 0.3, 0.2)
    score = candidate_scores(
        np.array([3.0]),
        np.array([4.0]),
        np.array([5.0]),
        np.array([600.0]),
        mean=1200.0,
        policy=policy,
    )
    assert math.isclose(score[0], 0.5 * 0.25 + 0.3 * 1.0 + 0.2 * (2 / 3))
