"""Edge equals the reference on random profiles, events and definitions, and its next change is
exact: nothing changes before it, the membership differs at it, None means never."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.compiler import value
from segmint.evaluate.edge.context import TICK, Context
from segmint.evaluate.edge.evaluator import SEARCH
from segmint.evaluate.edge.windows import CompiledWindow
from segmint.evaluate.reference import Interpreter, ProfileData
from segmint.plan.semantics import next_change
from tests.conformance.strategies import Data, as_of_instants, data_sets, definitions
from tests.edge.profiles import corpus, profiles_of, reference_members
from tests.plan.test_next_change import instants, windows
from tests.plan.test_roundtrip import tails

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TEXTS = st.lists(
    st.one_of(definitions("profile"), definitions("events"), definitions("chains")),
    min_size=1,
    max_size=3,
)


def _members(edge: EdgeSegments, profile: ProfileData, as_of: datetime) -> frozenset[str]:
    return edge.evaluate(profile, as_of, search=1).members


@_SETTINGS
@given(data=data_sets(), texts=_TEXTS, as_of=as_of_instants(), combine=st.booleans())
def test_edge_equals_reference(
    data: Data, texts: list[str], as_of: datetime, combine: bool
) -> None:
    plans = corpus(texts, combine)
    edge = EdgeSegments(plans)
    for device, profile in profiles_of(data).items():
        result = edge.evaluate(profile, as_of)
        assert result.members == reference_members(plans, profile, as_of), device
        change = result.next_change
        if change is None:
            for later in (timedelta(days=1), timedelta(days=45), timedelta(days=800)):
                assert _members(edge, profile, as_of + later) == result.members
            continue
        assert change > as_of
        if _members(edge, profile, change) == result.members:
            # the search settled for its last candidate, which is safe; a longer one goes on
            deeper = edge.evaluate(profile, as_of, search=4 * SEARCH).next_change
            assert deeper is None or deeper > change
        else:
            assert reference_members(plans, profile, change) != result.members
        for before in (change - TICK, as_of + (change - as_of) / 2):
            assert reference_members(plans, profile, max(before, as_of)) == result.members


@given(tails, instants, instants)
def test_window_changes_as_semantics_says(tail: str, moment: datetime, as_of: datetime) -> None:
    """The closed forms give what ``semantics.next_change`` gives."""
    for window in windows(tail):
        compiled = CompiledWindow(window, value)
        context = Context({}, [], set(), as_of)
        compiled.holds(context, {}, moment)
        resolve = Interpreter(ProfileData(), as_of).resolver({})
        assert context.hint == next_change(window, moment, as_of, resolve)
