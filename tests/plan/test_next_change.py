"""``next_change``: the truth of "T in window" is constant from as_of until just before the
instant returned, and differs there; None means it never changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from segmint.evaluate.reference import Interpreter, ProfileData
from segmint.plan.nodes import Occurs, Window
from segmint.plan.semantics import in_window, next_change
from tests.evaluate.helpers import plan
from tests.plan.test_roundtrip import tails

TICK = timedelta(microseconds=1)
instants = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2022, 12, 31))
resolve = Interpreter(ProfileData(), datetime(2018, 1, 1)).resolver({})


def windows(tail: str) -> list[Window]:
    root = plan(
        f"createdAt occurs {tail.replace('createdAt', 'now').replace('loyalty.joinDate', 'today')}"
    ).root
    occurs = root.items if not isinstance(root, Occurs) else (root,)
    return [node.window for node in occurs if isinstance(node, Occurs)]


@given(tails, instants, instants, st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_next_change_is_exact(
    tail: str, moment: datetime, as_of: datetime, samples: list[float]
) -> None:
    for window in windows(tail):
        truth = in_window(window, moment, as_of, resolve)
        change = next_change(window, moment, as_of, resolve)
        if change is None:
            for later in (as_of + timedelta(days=400 * 365 * fraction) for fraction in samples):
                assert in_window(window, moment, later, resolve) == truth
            continue
        assert change > as_of
        assert in_window(window, moment, change, resolve) != truth
        assert in_window(window, moment, change - TICK, resolve) == truth
        for fraction in samples:
            between = as_of + (change - as_of) * fraction
            assert in_window(window, moment, min(between, change - TICK), resolve) == truth


def test_examples() -> None:
    as_of = datetime(2018, 8, 28, 15, 30)
    (within_3_days,) = windows("<= 3 days before now")
    moment = datetime(2018, 8, 27)
    assert next_change(within_3_days, moment, as_of, resolve) == datetime(2018, 8, 30) + TICK
    (before_today,) = windows("<= 3 days before today")
    assert next_change(before_today, datetime(2018, 8, 28, 1), as_of, resolve) == datetime(
        2018, 8, 29
    )
    assert next_change(before_today, datetime(2018, 8, 25), as_of, resolve) == datetime(2018, 8, 29)
    (fixed,) = windows("between date(2018, 1, 1) and date(2018, 2, 1)")
    assert next_change(fixed, moment, as_of, resolve) is None
    (last_month,) = windows("last month")
    assert next_change(last_month, datetime(2018, 7, 2), as_of, resolve) == datetime(2018, 9, 1)
    assert next_change(last_month, datetime(2018, 8, 2), as_of, resolve) == datetime(2018, 9, 1)
    assert next_change(last_month, datetime(2018, 6, 2), as_of, resolve) is None
