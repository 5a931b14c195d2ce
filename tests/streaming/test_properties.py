"""Streaming equals batch and the reference at every checkpoint: after consuming the events
(shuffled within the allowed lateness) with the clock at T, the members are the reference's at
T (which batch equals: tests/conformance), and the transitions between checkpoints are the differences of consecutive results."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.streaming import Processor, Transition
from segmint.schema.model import SchemaClass
from tests.conformance.strategies import BASE, Data, as_of_instants, data_sets, definitions
from tests.edge.profiles import (
    arrivals,
    check_arriving,
    corpus,
    device_of,
    normalised,
    profiles_of,
    reference_members,
)

LATENESS = timedelta(hours=6)
_TEXTS = st.lists(
    st.one_of(definitions("profile"), definitions("events"), definitions("chains")),
    min_size=1,
    max_size=3,
)
_CHECKPOINTS = st.lists(
    st.integers(-45 * 24, 3 * 24).map(lambda h: BASE + timedelta(hours=h, milliseconds=1)),
    min_size=1,
    max_size=4,
    unique=True,
).map(sorted)


#: Where a streamed event carries its profile until the processor resolves it (and removes
#: it): a key no schema field has, unlike ``device``, an XDM field a definition may read.
OWNER = "__owner"


def stream_order(data: Data, seed: int) -> list[dict[str, object]]:
    """The events in time order, then shuffled locally: never later than the lateness."""
    events = sorted(
        ({**normalised(raw, SchemaClass.EVENT), OWNER: device_of(raw)} for raw in data.events),
        key=lambda e: e["timestamp"],  # type: ignore[arg-type,return-value]
    )
    shaken = random.Random(seed)
    for index in range(len(events) - 1):
        a, b = events[index], events[index + 1]
        gap = b["timestamp"] - a["timestamp"]  # type: ignore[operator]
        if gap < LATENESS and shaken.random() < 0.5:
            events[index], events[index + 1] = b, a
    return events


def run_stream(
    data: Data, edge: EdgeSegments, checkpoints: list[datetime], seed: int
) -> tuple[list[dict[str, set[str]]], list[list[Transition]]]:
    """Members per device at each checkpoint, and the transitions emitted up to each."""
    processor = Processor(
        edge,
        lateness=LATENESS,
        resolve=lambda event: str(event.pop(OWNER)),
    )
    transitions: list[Transition] = []
    processor.subscribe(transitions.append)
    for device, known in profiles_of(Data(data.crm, [])).items():
        processor.add_profile(device, known)
    pending = stream_order(data, seed)
    seen: list[dict[str, set[str]]] = []
    marks: list[int] = []
    for checkpoint in checkpoints:
        # Every event up to the checkpoint, and the later ones that arrive before one of them
        # (within the lateness, so the watermark stays before the checkpoint).
        due = [i for i, event in enumerate(pending) if event["timestamp"] <= checkpoint]  # type: ignore[operator]
        arrived = due[-1] + 1 if due else 0
        processor.feed(pending[:arrived])
        del pending[:arrived]
        processor.advance(checkpoint)
        seen.append({device: set(processor.members(device)) for device in processor.profiles})
        marks.append(len(transitions))
    return seen, [transitions[start:end] for start, end in zip([0, *marks], marks, strict=False)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_sets(), _TEXTS, _CHECKPOINTS, st.booleans(), st.integers(0, 1000))
def test_streaming_equals_reference(
    data: Data, texts: list[str], checkpoints: list[datetime], combine: bool, seed: int
) -> None:
    plans = corpus(texts, combine)
    seen, emitted = run_stream(data, EdgeSegments(plans), checkpoints, seed)
    profiles = profiles_of(data)
    previous: dict[str, set[str]] = {device: set() for device in profiles}
    for checkpoint, members, transitions in zip(checkpoints, seen, emitted, strict=True):
        for device, profile in profiles.items():
            if device not in members:
                continue
            expected = reference_members(plans, profile, checkpoint)
            assert members[device] == expected, (device, checkpoint)
            assert all(t.time <= checkpoint for t in transitions)
            moved = {t.segment: t.status for t in transitions if t.profile == device}
            net = {s for s, status in moved.items() if status == "entered"} | (
                previous[device] - {s for s, status in moved.items() if status == "exited"}
            )
            assert net == expected
        previous = {device: members.get(device, set()) for device in profiles}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_sets(),
    _TEXTS,
    st.lists(as_of_instants(), min_size=1, max_size=4),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_kept_index_and_memo_equal_reference(
    data: Data, texts: list[str], instants: list[datetime], combine: bool, order: random.Random
) -> None:
    """The streaming state's incremental paths (its kept event index, memoized aggregates reused
    across evaluations at moving, even earlier, instants while events arrive out of order) give
    the reference's members and the same result as an evaluation from scratch."""
    plans = corpus(texts, combine)
    edge = EdgeSegments(plans)
    for device, profile, events in arrivals(data, order):
        check_arriving(edge, plans, profile, events, instants, device)
