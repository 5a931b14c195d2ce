"""In-memory profiles for edge and streaming tests: the conformance strategies' raw records,
normalised by the ingestion validator (the shapes an evaluator sees), grouped by profile."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from hypothesis import reject

from segmint.errors import SegmintError
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.reference import evaluate as reference_evaluate
from segmint.evaluate.streaming.state import ProfileState
from segmint.ingest.validate import RecordValidator
from segmint.plan.dependencies import evaluation_order
from segmint.plan.nodes import Plan
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass
from segmint.store.catalog import DEFAULT_NAMESPACES
from tests.conformance.strategies import Data
from tests.evaluate.helpers import plan

SCHEMAS = default_schemas()
NAMESPACES = {namespace.name: namespace for namespace in DEFAULT_NAMESPACES}


def validator(schema_class: SchemaClass) -> RecordValidator:
    return RecordValidator(SCHEMAS[schema_class], {}, NAMESPACES, "test")


def normalised(raw: dict[str, Any], schema_class: SchemaClass) -> dict[str, Any]:
    record, problems = validator(schema_class).validate(dict(raw), 0, from_text=False)
    assert record is not None, problems
    record.pop("identityMap")
    return record


def device_of(raw: dict[str, Any]) -> str:
    return str(raw["identityMap"]["ecid"][0]["id"])


def profiles_of(data: Data) -> dict[str, ProfileData]:
    """One profile per device: its CRM attributes and its events."""
    found: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for raw in data.crm:
        found.setdefault(device_of(raw), ({}, []))[0].update(normalised(raw, SchemaClass.PROFILE))
    for raw in data.events:
        found.setdefault(device_of(raw), ({}, []))[1].append(normalised(raw, SchemaClass.EVENT))
    return {
        device: ProfileData(attributes, events) for device, (attributes, events) in found.items()
    }


def corpus(texts: Iterable[str], combine: bool) -> dict[str, Plan]:
    """Named plans s0, s1, ... (plus a segment of segments); Hypothesis rejects the example
    when one does not bind."""
    plans: dict[str, Plan] = {}
    try:
        for index, text in enumerate(texts):
            plans[f"s{index}"] = plan(text)
    except SegmintError:
        reject()
    if combine and len(plans) > 1:
        plans["both"] = plan('inSegment("s0") and not inSegment("s1")')
    return plans


def arrivals(
    data: Data, order: random.Random
) -> Iterator[tuple[str, ProfileData, list[dict[str, Any]]]]:
    """Each device's profile and its events in the order they arrive: shuffled by ``order``."""
    for device, profile in profiles_of(data).items():
        events = list(profile.events)
        order.shuffle(events)
        yield device, profile, events


def reference_members(plans: dict[str, Plan], profile: ProfileData, as_of: datetime) -> set[str]:
    """The reference's segments for one profile, in dependency order."""
    realized: set[str] = set()
    for name in evaluation_order(plans):
        given = ProfileData(profile.attributes, profile.events, frozenset(realized))
        if reference_evaluate(plans[name], given, as_of):
            realized.add(name)
    return realized


def check_arriving(
    edge: EdgeSegments,
    plans: dict[str, Plan],
    profile: ProfileData,
    events: list[dict[str, Any]],
    instants: list[datetime],
    device: str,
) -> None:
    """``events`` arrive in this order, a share before each instant: the streaming state's kept
    index and memo answer as the reference does, and as an evaluation from scratch; then, with
    every event in, at each instant in time order (what the memo holds must lapse on time)."""
    state = ProfileState.of(ProfileData(profile.attributes))
    size = -(-len(events) // len(instants))
    for step, as_of in enumerate(instants):
        for event in events[step * size : (step + 1) * size]:
            state.add(event)
        seen = ProfileData(profile.attributes, list(state.events))
        kept = edge.evaluate(state.data(), as_of)
        assert kept.members == reference_members(plans, seen, as_of), (device, as_of)
        assert kept == edge.evaluate(seen, as_of), (device, as_of)
    seen = ProfileData(profile.attributes, list(state.events))
    for as_of in sorted(instants):
        found = edge.evaluate(state.data(), as_of).members
        assert found == reference_members(plans, seen, as_of), (device, "later", as_of)
