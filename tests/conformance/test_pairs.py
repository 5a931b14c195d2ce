"""Property: two-step chains, which batch compiles to a grouping, a bucket join or an ASOF join
depending on how the second step's window relates to the first (``evaluate/batch/pair.py``),
select exactly what the reference selects, for every form of that window."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from tests.conformance.strategies import Data, as_of_instants, data_sets, event_conditions
from tests.conformance.test_properties import _SETTINGS, check

_UNITS = (
    "millisecond",
    "milliseconds",
    "minutes",
    "hour",
    "hours",
    "days",
    "week",
    "months",
    "year",
)


@st.composite
def relative_windows(draw: st.DrawFn) -> str:
    """A window of step B relative to step A: bounded on one or both sides, any unit."""
    side = draw(st.sampled_from(["before", "after"]))
    if draw(st.booleans()):  # "within N after A", the common form
        op, amount = draw(st.sampled_from(["<", "<="])), draw(st.sampled_from(["1", "2", "90"]))
        return f"{op} {amount} {draw(st.sampled_from(_UNITS[:7]))} after A"
    if draw(st.integers(0, 4)) == 0:
        return f"{side} A"
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "="]))
    amount = draw(st.sampled_from(["0", "1", "2", "90"]))
    return f"{op} {amount} {draw(st.sampled_from(_UNITS))} {side} A"


@st.composite
def pairs(draw: st.DrawFn) -> str:
    first = f"A: WHAT({draw(event_conditions(''))})"
    if draw(st.booleans()):
        first += " WHEN(<= 2 days before now)"
    second = f"B: WHAT({draw(event_conditions(''))})"
    if draw(st.integers(0, 3)) > 0:
        second += f" WHEN({draw(relative_windows())})"
    chain = f"chain(xEvent, timestamp, [{first}, {second}])"
    return f"not {chain}" if draw(st.integers(0, 4)) == 0 else chain


@_SETTINGS
@given(
    data=data_sets(),
    texts=st.lists(pairs(), min_size=1, max_size=3),
    instants=st.lists(as_of_instants(), min_size=1, max_size=2, unique=True),
)
def test_two_step_chains(data: Data, texts: list[str], instants: list[datetime]) -> None:
    check(data, texts, instants, combine=False)
