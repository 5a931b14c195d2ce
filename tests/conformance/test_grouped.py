"""Property: a conjunction of event-aggregate comparisons, some negated ("searched and did not
buy"), which batch computes in one grouped pass with a FILTER per aggregate, selects exactly
what the reference selects, including profiles without any matching event."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from tests.conformance.strategies import Data, as_of_instants, data_sets, event_conditions
from tests.conformance.test_properties import _SETTINGS, check

_VALUES = ("X.commerce.order.priceTotal", "X.productListItems.count()")


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    """One aggregate over events compared with a number, in either order, maybe negated."""
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
    number = draw(st.sampled_from(["0", "1", "2", "10", "5.5"]))
    if draw(st.booleans()):
        aggregate = f"xEvent[{draw(event_conditions(''))}].count()"
    else:
        function = draw(st.sampled_from(["sum", "average", "min", "max"]))
        value, where = draw(st.sampled_from(_VALUES)), draw(event_conditions("X."))
        aggregate = f"({function} {value} over X from xEvent where {where})"
    text = f"{aggregate} {op} {number}" if draw(st.booleans()) else f"{number} {op} {aggregate}"
    return f"not ({text})" if draw(st.booleans()) else text


@st.composite
def conjunctions(draw: st.DrawFn) -> str:
    parts = draw(st.lists(comparisons(), min_size=2, max_size=3))
    if draw(st.booleans()):
        parts.append('homeAddress.countryCode = "US"')
    return " and ".join(parts)


@_SETTINGS
@given(
    data=data_sets(),
    texts=st.lists(conjunctions(), min_size=1, max_size=3),
    instants=st.lists(as_of_instants(), min_size=1, max_size=2, unique=True),
)
def test_conjunctions_of_event_aggregates(
    data: Data, texts: list[str], instants: list[datetime]
) -> None:
    check(data, texts, instants, combine=False)
