"""Streaming and edge segmentation on one core, in-process.

Synthetic demo-shaped events (JSONL bytes of the demo's nine event types, so every demo segment
reading events has some to read, over ``--profiles`` profiles in 60 days, in time order) are
decoded with orjson and fed one by one to the processor with the demo segments (15, with their
names, so ``inSegment`` resolves), then with 100 segments (the demo ones repeated with varied
windows). Events/s is the median of ``--repeat`` runs. Baselines, same process: a bare orjson
decode loop, and the untuned shape: the reference interpreter re-evaluating every segment over
all the profile's events at each of the last ``--baseline`` events (the earlier ones retained);
"agree": the processor's members at the end equal the reference's for every profile those events
touched.

Latency is wall time from receiving an event's bytes (or the clock tick) to each transition it
causes. Exit lag: event time between a window lapsing and the exit firing, with the clock
ticking every whole second (only the ticks that fire a timer are simulated) and at each event.
Memory per profile is tracemalloc's peak over the profiles held, in a separate run. Edge: one
``evaluate`` of the 100 segments for a profile with its events, 1,000 profiles one after
another, against the reference interpreter evaluating the same profiles afterwards.

Everything runs with the cycle collector as ``segmint stream`` sets it (``--collector default``:
as Python starts).

    python benchmarks/streaming.py --events 100000
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from contextlib import nullcontext
from datetime import datetime, timedelta

import orjson
from rich.console import Console
from rich.table import Table

from segmint.collector import long_lived
from segmint.demo.events import EVENT_TYPES
from segmint.demo.segments import DEMO_SEGMENTS
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming import Processor, Transition
from segmint.ingest.values import parse_datetime
from segmint.plan.bind import bind
from segmint.plan.dependencies import evaluation_order
from segmint.plan.nodes import Plan
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

START = datetime(2026, 1, 1)
TICK = timedelta(seconds=1)
Record = dict[str, object]


def events(count: int, profiles: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    step = timedelta(days=60) / count
    lines = []
    for number in range(count):
        record = {
            "_id": f"e{number}", "timestamp": (START + step * number).isoformat() + "Z",
            "eventType": rng.choice(EVENT_TYPES), "device": f"p{rng.randrange(profiles)}",
            "search": {"keywords": rng.choice(["red sneakers", "boots", "hats"])},
            "commerce": {"order": {"priceTotal": rng.choice([10.0, 55.0, 120.0])}},
        }  # fmt: skip
        lines.append(orjson.dumps(record))
    return lines


class Segments:
    """Bound plans by id and their names (the first copy of a demo segment keeps its name, so
    the demo's ``inSegment`` references resolve to it)."""

    def __init__(self, count: int | None) -> None:
        schemas = default_schemas()
        specs = list(DEMO_SEGMENTS)
        total = len(specs) if count is None else count
        self.plans: dict[str, Plan] = {}
        self.names: dict[str, str] = {}
        for index in range(total):
            spec = specs[index % len(specs)]
            text = spec.pql
            if count is not None:
                text = text.replace("30 days", f"{1 + index % 29} days")
            self.plans[f"s{index}"] = bind(
                parse(text), schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT], source=text
            )
            copy = index // len(specs)
            self.names[f"s{index}"] = spec.name if copy == 0 else f"{spec.name} #{copy}"

    def edge(self) -> EdgeSegments:
        return EdgeSegments(self.plans, self.names)

    def reference(self, events: list[Record], as_of: datetime) -> set[str]:
        """The reference interpreter's members, every segment over all the events."""
        aliases = {name: segment for segment, name in self.names.items()}
        realized: set[str] = set()
        members: set[str] = set()
        for segment in evaluation_order(self.plans, aliases):
            if evaluate(self.plans[segment], ProfileData({}, events, frozenset(realized)), as_of):
                realized |= {segment, self.names[segment]}
                members.add(segment)
        return members


def decode(line: bytes) -> Record:
    record: Record = orjson.loads(line)
    record["timestamp"] = parse_datetime(str(record["timestamp"]))
    return record


def _device(event: Record) -> object:
    return event["device"]


def processor(segments: Segments) -> Processor:
    return Processor(segments.edge(), resolve=_device)


def feed(target: Processor, line: bytes) -> None:
    """One event, after the ticks of a clock ticking every whole second that fire a timer before
    it (the other ticks change nothing)."""
    record = decode(line)
    stamp = record["timestamp"]
    assert isinstance(stamp, datetime)
    while (due := target.timers.next_due()) is not None:
        tick = due + (START - due) % TICK
        if tick > stamp:
            break
        target.advance(tick)
    target.feed([record])


def memory(lines: list[bytes], segments: Segments) -> float:
    """KiB of traced allocations per profile held, in a separate (slower) run."""
    target = processor(segments)
    tracemalloc.start()
    for line in lines:
        feed(target, line)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / max(1, len(target.profiles))


def _quantiles(values: list[float], n: int) -> list[float]:
    return statistics.quantiles(values, n=n) if len(values) > 1 else [0.0] * (n - 1)


class Observer:
    """Collects each transition's latency from the current event's arrival, and exit lags."""

    def __init__(self, target: Processor) -> None:
        self.target, self.received = target, 0.0
        self.latencies: list[float] = []
        self.lags: list[float] = []
        target.subscribe(self.seen)

    def seen(self, transition: Transition) -> None:
        self.latencies.append(time.perf_counter() - self.received)
        if transition.status == "exited" and self.target.clock is not None:
            self.lags.append((self.target.clock - transition.time).total_seconds())


def run(lines: list[bytes], segments: Segments) -> tuple[float, Observer]:
    """One run from the same heap: the last run's processor and observer (a cycle, through
    the subscription) are collected first, as the long-lived collector would not."""
    gc.collect()
    observer = Observer(processor(segments))
    started = time.perf_counter()
    for line in lines:
        observer.received = time.perf_counter()
        feed(observer.target, line)
    return len(lines) / (time.perf_counter() - started), observer


def stream(
    lines: list[bytes], segments: Segments, repeat: int
) -> tuple[dict[str, float], Processor]:
    """Median events/s over ``repeat`` runs; latencies and lags of the last run, and its
    processor."""
    rates: list[float] = []
    for _ in range(repeat):
        rate, observer = run(lines, segments)
        rates.append(rate)
    quantiles = _quantiles(observer.latencies, 1000)
    return {
        "events/s": statistics.median(rates),
        "p50 ms": quantiles[499] * 1000, "p99 ms": quantiles[989] * 1000,
        "p99.9 ms": quantiles[998] * 1000, "exit lag p99 s": _quantiles(observer.lags, 100)[98],
        "exit lag max s": max(observer.lags, default=0.0),
        "KiB/profile": memory(lines, segments), "transitions": float(len(observer.latencies)),
    }, observer.target  # fmt: skip


def untuned(
    lines: list[bytes], segments: Segments, tail: int, done: Processor
) -> tuple[float, bool]:
    """Events/s of the reference re-evaluating every segment over all the profile's events at
    each of the last ``tail`` events (the earlier ones retained untimed), and whether the
    processor that consumed every event (``done``) has the reference's members for each
    profile those events touched."""
    profiles: dict[object, list[Record]] = {}
    for line in lines[:-tail]:
        record = decode(line)
        profiles.setdefault(record["device"], []).append(record)
    touched = set()
    stamp = START
    started = time.perf_counter()
    for line in lines[-tail:]:
        record = decode(line)
        stamp = record["timestamp"]  # type: ignore[assignment]
        profiles.setdefault(record["device"], []).append(record)
        touched.add(record["device"])
        segments.reference(profiles[record["device"]], stamp)
    rate = tail / (time.perf_counter() - started)
    done.advance(stamp)
    agree = all(done.members(key) == segments.reference(profiles[key], stamp) for key in touched)
    return rate, agree


def edge_latency(lines: list[bytes], segments: Segments) -> dict[str, float]:
    """Edge over 1,000 profiles one after another, then the reference over the same profiles
    (timed apart: interleaved, each edge call would pay for the cache the reference's larger
    work evicted, which measures the reference, not the edge); the members must agree."""
    edge = segments.edge()
    by_profile: dict[object, list[Record]] = {}
    for line in lines:
        record = decode(line)
        by_profile.setdefault(record["device"], []).append(record)
    end = START + timedelta(days=60)
    profiles = list(by_profile.values())[:1000]
    timings, baseline, answers = [], [], []
    for found in profiles:
        profile = ProfileData({}, found)
        started = time.perf_counter()
        answers.append(edge.evaluate(profile, end, search=1).members)
        timings.append(time.perf_counter() - started)
    for found, members in zip(profiles, answers, strict=True):
        started = time.perf_counter()
        assert segments.reference(found, end) == members
        baseline.append(time.perf_counter() - started)
    quantiles, reference = _quantiles(timings, 100), _quantiles(baseline, 100)
    return {
        "p50": quantiles[49] * 1000, "p99": quantiles[98] * 1000,
        "reference p50": reference[49] * 1000, "reference p99": reference[98] * 1000,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per median")
    parser.add_argument("--baseline", type=int, default=2_000, help="events for the untuned run")
    parser.add_argument("--collector", choices=("long-lived", "default"), default="long-lived")
    options = parser.parse_args()
    with long_lived() if options.collector == "long-lived" else nullcontext():
        measure(options)


def measure(options: argparse.Namespace) -> None:
    lines = events(options.events, options.profiles)
    rates = []
    for _ in range(options.repeat):
        started = time.perf_counter()
        for line in lines:
            decode(line)
        rates.append(len(lines) / (time.perf_counter() - started))
    decoding = statistics.median(rates)
    view = Table(title=f"streaming, {options.events:,} events, {options.profiles:,} profiles")
    columns = [
        "run", "events/s", "vs untuned", "p50 ms", "p99 ms", "p99.9 ms", "exit lag p99 s",
        "exit lag max s", "KiB/profile", "transitions", "agree",
    ]  # fmt: skip
    for column in columns:
        view.add_column(column, justify="right")
    view.add_row("orjson decode only", f"{decoding:,.0f}", *[""] * 9)
    for name, count in (("demo segments", None), ("100 segments", 100)):
        segments = Segments(count)
        result, done = stream(lines, segments, options.repeat)
        rate, agree = untuned(lines, segments, min(options.baseline, len(lines)), done)
        view.add_row(f"{name}: untuned (reference)", f"{rate:,.0f}", "1.0", *[""] * 8)
        view.add_row(
            name, f"{result['events/s']:,.0f}", f"{result['events/s'] / rate:,.1f}",
            *(f"{result[key]:.3f}" for key in columns[3:9]), f"{result['transitions']:,.0f}",
            "yes" if agree else "NO",
        )  # fmt: skip
    edge = edge_latency(lines, Segments(100))
    console = Console(width=200)
    console.print(view)
    console.print(
        f"edge, 100 segments: p50 {edge['p50']:.3f} ms, p99 {edge['p99']:.3f} ms "
        f"(reference interpreter: p50 {edge['reference p50']:.3f} ms, "
        f"p99 {edge['reference p99']:.3f} ms)"
    )


if __name__ == "__main__":
    main()
