"""Benchmark the demo data generator against the cost floor of writing its tables.

Run: ``.venv/bin/python benchmarks/generate.py --profiles 2000 20000 --runs 3``

For each size it times ``segmint.demo.generate`` (building the tables and writing crm.csv,
web.jsonl, app.parquet, email.jsonl) and, as the baseline, writing the same Arrow tables with
pyarrow's Parquet writer alone. Prints medians over the runs; ratio = generate / baseline.
About 46 events are generated per profile, so 217,000 profiles give some 10M events;
``--visit-rate 2.3`` scales visits to about 100 events per profile.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq

from segmint.demo import DemoTables, generate, generate_tables


def _median_seconds(runs: int, work: Callable[[Path], object]) -> float:
    seconds = []
    for _ in range(runs):
        directory = Path(tempfile.mkdtemp(prefix="segmint-bench-"))
        try:
            start = time.perf_counter()
            work(directory)
            seconds.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    return statistics.median(seconds)


def _write_parquet(tables: DemoTables, directory: Path) -> None:
    for name in ("crm", "web", "app", "email"):
        pq.write_table(getattr(tables, name), directory / f"{name}.parquet")


def _generate(profiles: int, seed: int, visit_rate: float, directory: Path) -> None:
    generate(directory, profiles, seed=seed, visit_rate=visit_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--visit-rate", type=float, default=1.0, help="scales visits per person")
    args = parser.parse_args()

    header = (
        f"{'profiles':>9} {'events':>11} {'generate s':>11} {'events/s':>11} "
        f"{'parquet-only s':>15} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for profiles in args.profiles:
        tables = generate_tables(profiles, seed=args.seed, visit_rate=args.visit_rate)
        floor = _median_seconds(args.runs, partial(_write_parquet, tables))
        events = tables.events
        del tables
        seconds = _median_seconds(
            args.runs, partial(_generate, profiles, args.seed, args.visit_rate)
        )
        print(
            f"{profiles:>9,} {events:>11,} {seconds:>11.2f} {events / seconds:>11,.0f} "
            f"{floor:>15.2f} {seconds / floor:>6.1f}"
        )


if __name__ == "__main__":
    main()
