"""The weighted, explained score shared by ICP fit and customer health."""

import random

from records.scoring import allocate, explain, score_of


def test_score_is_met_share_of_all_weights_rounded():
    assert score_of([(30, True), (70, False)]) == 30
    assert score_of([(1, True), (2, False)]) == 33
    assert score_of([(2, True), (1, False)]) == 67
    assert score_of([(1, True), (1, True), (1, False)]) == 67


def test_all_weights_zero_scores_zero_without_dividing():
    assert score_of([(0, True), (0, False)]) == 0
    assert allocate([(0, True), (0, False)]) == [0, 0]
    assert score_of([]) == 0


def test_points_of_met_criteria_add_up_to_the_score():
    # Three equal thirds all met: 33.3 each, the leftover point goes to the first.
    assert allocate([(1, True), (1, True), (1, True)]) == [34, 33, 33]
    score, lines = explain([("industry", 30, True), ("country", 20, False), ("size", 50, True)])
    assert score == 80
    assert [line.points for line in lines] == [30, 0, 50]
    assert [line.met for line in lines] == [True, False, True]


def test_random_profiles_points_sum_to_score_and_stay_near_exact_share():
    rng = random.Random(7)
    for _ in range(2000):
        weights_met = [(rng.randint(0, 100), rng.random() < 0.5) for _ in range(rng.randint(1, 9))]
        points = allocate(weights_met)
        assert sum(points) == score_of(weights_met)
        total = sum(w for w, _ in weights_met)
        for (weight, met), p in zip(weights_met, points, strict=True):
            if not met:
                assert p == 0
            else:
                assert abs(p - weight * 100 / total) < 1
