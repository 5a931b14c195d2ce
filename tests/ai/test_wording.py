"""Factors read as a marketer would say them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmint.ai.features import ANY_EVENT, GOAL, Feature, Kind
from segmint.ai.wording import WHOLE_KINDS, describe, shown

NAN = math.nan


@pytest.mark.parametrize(
    ("feature", "value", "text", "expected"),
    [
        (Feature(Kind.RECENCY, GOAL), 62.7, None, "no purchase in the last 62 days"),
        (Feature(Kind.RECENCY, GOAL), NAN, None, "no purchase ever"),
        (Feature(Kind.RECENCY, GOAL), 0.2, None, "last purchase less than a day ago"),
        (Feature(Kind.RECENCY, ANY_EVENT), 12.0, None, "no activity in the last 12 days"),
        (Feature(Kind.COUNT, "commerce.productListAdds", 30), 3, None, "3 cart adds in 30 days"),
        (Feature(Kind.COUNT, "commerce.productListAdds", 30), 1, None, "1 cart add in 30 days"),
        (Feature(Kind.COUNT, GOAL), 0, None, "no purchases in total"),
        (Feature(Kind.COUNT, "app.featureUsed", 90), 2, None, "2 feature used events in 90 days"),
        (Feature(Kind.SPEND, ANY_EVENT, 90), 1234.5, None, "spent 1,234.50 in 90 days"),
        (Feature(Kind.TREND, ANY_EVENT, 30), -4, None,
         "4 fewer events in the last 30 days than the 30 days before"),
        (Feature(Kind.TENURE, ANY_EVENT), 140.2, None, "first seen 140 days ago"),
        (Feature(Kind.GAP, ANY_EVENT), 9.46, None, "an event every 9.5 days on average"),
        (Feature(Kind.CATEGORY, "loyalty.tier"), NAN, "gold", "loyalty tier is gold"),
        (Feature(Kind.CATEGORY, "homeAddress.countryCode"), NAN, None, "country not set"),
        (Feature(Kind.ATTRIBUTE, "loyalty.points"), 1200.0, None, "loyalty.points is 1200"),
    ],
)  # fmt: skip
def test_describe(feature: Feature, value: float, text: str | None, expected: str) -> None:
    assert describe(feature, value, text, "commerce.purchases") == expected


def test_a_goal_that_is_not_one_event_type_is_named_as_such() -> None:
    assert describe(Feature(Kind.COUNT, GOAL, 7), 2, None, None) == "2 goal events in 7 days"


@pytest.mark.parametrize("kind", sorted(WHOLE_KINDS))
def test_values_alike_in_what_a_phrase_shows_read_alike(kind: Kind) -> None:
    feature = Feature(kind, GOAL, 30 if kind in (Kind.COUNT, Kind.TREND) else None)
    values = np.array([0.0, 0.2, 0.99, 1.0, 1.5, 2.7, 62.7, -3.5])
    if kind is Kind.RECENCY:
        values = np.r_[values, NAN]  # never had the event
    for value, part in zip(values, shown(feature, values), strict=True):
        assert describe(feature, part, None, None) == describe(feature, value, None, None)
