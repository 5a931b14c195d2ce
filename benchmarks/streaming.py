"""Streaming and edge segmentation on one core, in-process.

Synthetic demo-shaped events (JSONL bytes: search, product views, purchases over 5,000 profiles
in 60 days, in time order) are decoded with orjson and fed one by one to the processor with the
demo segments, then with 100 segments (the demo ones repeated with varied windows). Baseline:
a bare loop decoding the same bytes with orjson. Latency is wall time from receiving an event's
bytes to each transition it causes; expiry lag is event time between a window lapsing and the
clock reaching it (with the watermark clock, timers fire as the watermark passes them); memory
per profile is tracemalloc's peak over the profiles held. Edge latency: one ``evaluate`` of the
100 segments for a profile with its events.

    python benchmarks/streaming.py --events 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from datetime import datetime, timedelta

import orjson
from rich.console import Console
from rich.table import Table

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming import Processor, Transition
from segmint.ingest.values import parse_datetime
from segmint.plan.bind import bind
from segmint.plan.nodes import Plan
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

START = datetime(2026, 1, 1)
TYPES = ("search", "commerce.productViews", "commerce.purchases", "web.webpagedetails.pageViews")


def events(count: int, profiles: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    step = timedelta(days=60) / count
    lines = []
    for number in range(count):
        record = {
            "_id": f"e{number}", "timestamp": (START + step * number).isoformat() + "Z",
            "eventType": rng.choice(TYPES), "device": f"p{rng.randrange(profiles)}",
            "search": {"keywords": rng.choice(["red sneakers", "boots", "hats"])},
            "commerce": {"order": {"priceTotal": rng.choice([10.0, 55.0, 120.0])}},
        }  # fmt: skip
        lines.append(orjson.dumps(record))
    return lines


def plans(count: int | None) -> dict[str, Plan]:
    schemas = default_schemas()
    texts = [spec.pql for spec in DEMO_SEGMENTS]
    if count is not None:
        texts = [
            texts[i % len(texts)].replace("30 days", f"{1 + i % 29} days") for i in range(count)
        ]
    bound = {}
    for index, text in enumerate(texts):
        bound[f"s{index}"] = bind(
            parse(text), schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT], source=text
        )
    return bound


def decode(line: bytes) -> dict[str, object]:
    record: dict[str, object] = orjson.loads(line)
    record["timestamp"] = parse_datetime(str(record["timestamp"]))
    return record


def memory(lines: list[bytes], segments: dict[str, Plan]) -> float:
    """KiB of traced allocations per profile held, in a separate (slower) run."""
    processor = Processor(EdgeSegments(segments), resolve=lambda e: e["device"])
    tracemalloc.start()
    for line in lines:
        processor.feed([decode(line)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / max(1, len(processor.profiles))


def stream(lines: list[bytes], segments: dict[str, Plan]) -> dict[str, float]:
    processor = Processor(EdgeSegments(segments), resolve=lambda e: e["device"])
    latencies: list[float] = []
    lags: list[float] = []
    received = 0.0

    def seen(transition: Transition) -> None:
        latencies.append(time.perf_counter() - received)
        if transition.status == "exited" and processor.clock is not None:
            lags.append((processor.clock - transition.time).total_seconds())

    processor.subscribe(seen)
    started = time.perf_counter()
    for line in lines:
        received = time.perf_counter()
        processor.feed([decode(line)])
    seconds = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=1000) if len(latencies) > 1 else [0.0] * 999
    return {
        "events/s": len(lines) / seconds,
        "p50 ms": quantiles[499] * 1000, "p99 ms": quantiles[989] * 1000,
        "p99.9 ms": quantiles[998] * 1000,
        "expiry lag p99 s": statistics.quantiles(lags, n=100)[98] if len(lags) > 1 else 0.0,
        "KiB/profile": memory(lines, segments),
        "transitions": float(len(latencies)),
    }  # fmt: skip


def edge_latency(lines: list[bytes], segments: dict[str, Plan]) -> tuple[float, float]:
    edge = EdgeSegments(segments)
    by_profile: dict[object, list[dict[str, object]]] = {}
    for line in lines:
        record = decode(line)
        by_profile.setdefault(record["device"], []).append(record)
    end = START + timedelta(days=60)
    timings = []
    for found in list(by_profile.values())[:2000]:
        profile = ProfileData({}, found)
        started = time.perf_counter()
        edge.evaluate(profile, end, search=1)
        timings.append(time.perf_counter() - started)
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49] * 1000, quantiles[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=5_000)
    options = parser.parse_args()
    lines = events(options.events, options.profiles)
    started = time.perf_counter()
    for line in lines:
        decode(line)
    baseline = len(lines) / (time.perf_counter() - started)
    view = Table(title=f"streaming, {options.events:,} events, {options.profiles:,} profiles")
    columns = ["run", "events/s", "vs decode", "p50 ms", "p99 ms", "p99.9 ms",
               "expiry lag p99 s", "KiB/profile", "transitions"]  # fmt: skip
    for column in columns:
        view.add_column(column, justify="right")
    view.add_row("orjson decode only", f"{baseline:,.0f}", "1.00", *[""] * 6)
    for name, count in (("demo segments", None), ("100 segments", 100)):
        result = stream(lines, plans(count))
        view.add_row(
            name, f"{result['events/s']:,.0f}", f"{result['events/s'] / baseline:.3f}",
            *(f"{result[key]:.3f}" for key in columns[3:8]), f"{result['transitions']:,.0f}",
        )  # fmt: skip
    p50, p99 = edge_latency(lines, plans(100))
    console = Console(width=160)
    console.print(view)
    console.print(f"edge, 100 segments: p50 {p50:.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
