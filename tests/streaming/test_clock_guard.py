"""A definition that compares with `now` itself changes at every instant; the clock must still
advance across days in bounded work (it re-checks such a definition once a second, not once a
microsecond), agreeing with the reference away from the one qualifying instant."""

from __future__ import annotations

from datetime import datetime, timedelta

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming.processor import Processor
from segmint.plan.bind import bind
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass


def test_now_as_a_value_does_not_stall_the_clock() -> None:
    schemas = default_schemas()
    plan = bind(parse("createdAt = now"), schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT])
    processor = Processor(EdgeSegments({"second-day": plan}), resolve=lambda event: "p1")
    start = datetime(2026, 3, 1, 12)
    profile = ProfileData(attributes={"createdAt": start + timedelta(days=2)})
    processor.add_profile("p1", profile)
    processor.advance(start)
    for day in (1, 3):
        processor.advance(start + timedelta(days=day))
        expected = evaluate(plan, profile, start + timedelta(days=day))
        assert ("second-day" in processor.members("p1")) == expected
