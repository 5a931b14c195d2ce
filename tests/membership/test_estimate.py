"""Estimates: exact on a full sample, and a 95% interval that holds the truth about 95% of the
time on random samples."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from segmint.membership.estimate import interval


def test_a_full_sample_is_exact() -> None:
    assert interval(37, 500, 500) == (37, 37, 37)
    assert interval(0, 0, 0) == (0, 0, 0)


@given(st.integers(1, 5000), st.integers(2, 100_000), st.data())
def test_the_interval_is_ordered_and_within_what_is_possible(sampled: int, population: int, data: st.DataObject) -> None:
    sampled = min(sampled, population)
    matched = data.draw(st.integers(0, sampled))
    estimated, low, high = interval(matched, sampled, population)
    assert matched <= low <= estimated <= high <= population - (sampled - matched)


def test_coverage_is_close_to_95_percent() -> None:
    rng = random.Random(11)
    population, members, sampled = 20_000, 1_300, 800
    flags = [True] * members + [False] * (population - members)
    covered = 0
    for _ in range(400):
        matched = sum(rng.sample(flags, sampled))
        _, low, high = interval(matched, sampled, population)
        covered += low <= members <= high
    assert 0.90 <= covered / 400 <= 0.99
