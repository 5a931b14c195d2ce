"""Windowed counts, aggregates and ``exists`` answered by bisect (``edge.ranges``) equal the
reference: on random windows (of every form PQL has: most take the bisect path, the rest fall
back), event types and extra conditions, from scratch and from the streaming state's kept index
with its memo, its kept selections (``ranges.KeptSelection``) and their running aggregates while
events arrive out of order."""

from __future__ import annotations

import random
from datetime import datetime

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.compiler import truth, value
from segmint.evaluate.edge.ranges import windowed
from segmint.evaluate.reference import ProfileData
from segmint.plan.nodes import Aggregate, Compare
from tests.conformance.strategies import EVENT_TYPES, Data, as_of_instants, data_sets
from tests.edge.profiles import check_arriving, corpus, profiles_of, reference_members
from tests.plan.test_roundtrip import tails

_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TYPES = st.sampled_from([f'"{kind}"' for kind in EVENT_TYPES])
_EXTRA = st.sampled_from(
    ["", "X.commerce.order.priceTotal > 5 and ", 'X.search.keywords.contains("sneakers") and ']
)


@st.composite
def windowed_texts(draw: st.DrawFn) -> str:
    kind, other, extra, tail = draw(_TYPES), draw(_TYPES), draw(_EXTRA), draw(tails)
    test = draw(st.sampled_from([f"X.eventType = {kind}", f"X.eventType in [{kind}, {other}]"]))
    occurs = f"X.timestamp occurs {tail}"
    condition = draw(st.sampled_from([f"{test} and {extra}{occurs}", f"{occurs} and {test}"]))
    count = draw(st.integers(0, 2))
    function = draw(st.sampled_from(["sum", "average", "min", "max"]))
    return draw(
        st.sampled_from(
            [
                f"(select X from xEvent where {condition}).count() > {count}",
                f"({function} X.commerce.order.priceTotal over X from xEvent where {condition})"
                f" > {count * 20 + 7}",
                f"exists X from xEvent where {condition}",
            ]
        )
    )


def test_demo_shape_takes_the_bisect_path() -> None:
    root = corpus(['xEvent[eventType = "search" and timestamp occurs <= 3 days before now]'
                   ".count() > 1"], combine=False)  # fmt: skip
    assert root is not None
    compare = root["s0"].root
    assert isinstance(compare, Compare) and isinstance(compare.left, Aggregate)
    assert windowed(compare.left, truth, value) is not None


@_SETTINGS
@given(
    data_sets(),
    st.lists(windowed_texts(), min_size=1, max_size=3),
    st.lists(as_of_instants(), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_windowed_equals_reference(
    data: Data, texts: list[str], instants: list[datetime], order: random.Random
) -> None:
    plans = corpus(texts, combine=False)
    assume(plans is not None)
    assert plans is not None
    edge = EdgeSegments(plans)
    for device, profile in profiles_of(data).items():
        events = sorted(profile.events, key=lambda event: event["timestamp"])
        ordered = ProfileData(profile.attributes, events)
        for as_of in instants:
            result = edge.evaluate(ordered, as_of)
            assert result.members == reference_members(plans, ordered, as_of), (device, as_of)
        order.shuffle(events)
        check_arriving(edge, plans, profile, events, instants, device)
