"""The segment-of-segments graph: dependencies, evaluation order, cycles."""

from __future__ import annotations

import pytest

from segmint.errors import PQLError
from segmint.plan.dependencies import dependencies, evaluation_order
from tests.evaluate.helpers import plan


def test_order_puts_every_segment_after_those_it_uses() -> None:
    plans = {
        "vip": plan('inSegment("gold") and inSegment("Active buyers")'),
        "gold": plan('loyalty.tier = "gold"'),
        "active": plan("xEvent.count() > 3"),
        "external": plan('inSegment("unknown elsewhere")'),
    }
    aliases = {"Active buyers": "active"}
    assert dependencies(plans, aliases)["vip"] == {"gold", "active"}
    assert dependencies(plans, aliases)["external"] == frozenset()
    order = evaluation_order(plans, aliases)
    assert sorted(order) == sorted(plans)
    assert order.index("gold") < order.index("vip") and order.index("active") < order.index("vip")


def test_a_cycle_is_an_error_naming_it() -> None:
    plans = {
        "a": plan('inSegment("b")'),
        "b": plan('inSegment("c") or loyalty.points > 1'),
        "c": plan('inSegment("a")'),
        "d": plan('inSegment("a")'),
    }
    with pytest.raises(PQLError) as caught:
        evaluation_order(plans)
    assert caught.value.message == "segments reference each other in a cycle: a -> b -> c -> a"


def test_a_segment_using_itself_is_a_cycle() -> None:
    with pytest.raises(PQLError, match="cycle: self -> self"):
        evaluation_order({"self": plan('inSegment("self")')})
