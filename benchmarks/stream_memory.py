"""``segmint stream`` holding at most ``--max-profiles`` profiles in memory: what bounding the
memory costs in speed. The input is ``stream_service.py``'s (the web events of people new to a
demo workspace, in time order, with the links that merge profiles), moved in time to start
where the workspace's ledger stands (so their windows are open), committed in batches of
``--batch`` lines; then the stream restarts ("restart s": a new ``EventStream`` on the
workspace, as after a crash) and moves the clock 30 days on ("advance s": every window but the
longest lapses); the least recently used profiles beyond the limit are dropped after each
commit and read back from the store when an event or a timer wakes them (those whose timers
fire together, in one read).

Each run is a process of its own, on a fresh copy of the workspace. Rows: no limit in effect
(the default, far above the profiles met: the baseline) and each ``--limits`` value; speed is
the median of ``--repeats`` runs. "Python MiB" is what the stream's Python objects hold at the
end (tracemalloc's current size after streaming less before it, in one more run: DuckDB's
own memory is not counted, nor the input), mostly the profiles held, and "restart MiB" what
the restarted stream holds once made; "peak held" is the most
profiles in memory after a commit; "profiles read" counts the profiles read from the store
while streaming (met for the first time, or read back after being dropped); "history rows"
must be the same in every row.

    python benchmarks/stream_memory.py --events 20000 --limits 1000 100
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from harness import DATA
from rich.console import Console
from rich.table import Table
from stream_service import LINKED, history_rows, input_options, inputs, prepare

import segmint.stream.service as service
from segmint.cli.stream import replay
from segmint.collector import long_lived
from segmint.membership import stream_ledger
from segmint.store.workspace import Workspace
from segmint.stream.residency import DEFAULT_MAX_PROFILES
from segmint.stream.service import EventStream

COLUMNS = ("max profiles", "events/s", "seconds", "vs no limit", "restart s", "advance s",
           "Python MiB", "restart MiB", "peak held", "profiles read", "history rows")  # fmt: skip


def one_run(options: argparse.Namespace) -> dict[str, float]:
    """One stream of the input into a fresh copy of the workspace, in this process (traced
    with ``--trace``)."""
    workspace, source = prepare(options.profiles, options.people)
    lines = inputs(source, options.events)[LINKED]
    read = [0]
    loading = service.load_profiles

    def counted(con: Any, profiles: Collection[int], *args: Any, **kwargs: Any) -> Any:
        found = loading(con, profiles, *args, **kwargs)
        read[0] += sum(bool(data.events or data.attributes) for data in found.values())
        return found

    service.load_profiles = counted  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        copy = Path(folder) / "ws"
        shutil.copytree(workspace, copy)
        with Workspace.open(copy) as ws, long_lived():
            ws.use("prod")
            lines = moved(lines, stream_ledger.recorded_until(ws.con))
            before = history_rows(ws)
            stream = EventStream(ws, "web", name="memory", max_profiles=options.one)
            peak = watch_held(stream)
            if options.trace:
                tracemalloc.start()
            traced = tracemalloc.get_traced_memory()[0]
            started = time.perf_counter()
            replay(stream, enumerate(lines, 1), options.batch)
            seconds = time.perf_counter() - started
            retained = (tracemalloc.get_traced_memory()[0] - traced) / 2**20
            assert stream.processor.clock is not None
            end = stream.processor.clock + timedelta(days=30)
            traced, started = tracemalloc.get_traced_memory()[0], time.perf_counter()
            stream = EventStream(ws, "web", name="memory", max_profiles=options.one)
            restart = time.perf_counter() - started
            restarted = (tracemalloc.get_traced_memory()[0] - traced) / 2**20
            started = time.perf_counter()
            stream.advance(end)
            advanced = time.perf_counter() - started
            rows = history_rows(ws) - before
    return {"seconds": seconds, "restart": restart, "advance": advanced, "mib": retained,
            "restart mib": restarted, "held": peak[0], "read": read[0], "rows": rows}  # fmt: skip


def moved(lines: list[bytes], start: datetime | None) -> list[bytes]:
    """The events moved in time, as a whole, to start at ``start``."""
    records = [orjson.loads(line) for line in lines]
    first = datetime.fromisoformat(records[0]["timestamp"]).replace(tzinfo=None)
    shift = (start or first) - first
    for record in records:
        stamp = datetime.fromisoformat(record["timestamp"]).replace(tzinfo=None) + shift
        record["timestamp"] = stamp.isoformat(timespec="milliseconds") + "Z"
    return [orjson.dumps(record) for record in records]


def watch_held(stream: EventStream) -> list[int]:
    """The most profiles the stream holds in memory after any commit (updated as it commits)."""
    peak = [0]
    commit_all = stream.commit_all

    def committed(*args: Any, **kwargs: Any) -> Any:
        found = commit_all(*args, **kwargs)
        peak[0] = max(peak[0], len(stream.processor.profiles))
        return found

    stream.commit_all = committed  # type: ignore[method-assign]
    return peak


def measure(options: argparse.Namespace, limit: int) -> dict[str, float]:
    """The median time of ``--repeats`` runs and the memory of one traced run, each run in a
    process of its own."""
    runs = [_run(options, limit, trace) for trace in [False] * options.repeats + [True]]
    timed = runs[:-1]
    return {
        **runs[0], "seconds": statistics.median(run["seconds"] for run in timed),
        "restart": statistics.median(run["restart"] for run in timed),
        "advance": statistics.median(run["advance"] for run in timed), "mib": runs[-1]["mib"],
        "restart mib": runs[-1]["restart mib"],
    }  # fmt: skip


def _run(options: argparse.Namespace, limit: int, trace: bool) -> dict[str, float]:
    found = subprocess.run(
        [sys.executable, __file__, "--one", str(limit), "--events", str(options.events),
         "--profiles", str(options.profiles), "--people", str(options.people),
         "--batch", str(options.batch), *(["--trace"] if trace else [])],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(found.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = input_options(__doc__)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--limits", type=int, nargs="+", default=[1_000, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one is not None:
        print(json.dumps(one_run(options)))
        return
    prepare(options.profiles, options.people)  # made once, before any timed run
    found = {limit: measure(options, limit) for limit in [DEFAULT_MAX_PROFILES, *options.limits]}
    baseline = found[DEFAULT_MAX_PROFILES]["seconds"]
    table = Table(title=f"segmint stream, {options.events:,} web events, batch {options.batch:,}")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for limit, run in found.items():
        table.add_row(
            f"{limit:,}" + (" (default)" if limit == DEFAULT_MAX_PROFILES else ""),
            f"{options.events / run['seconds']:,.0f}", f"{run['seconds']:.2f}",
            f"{baseline / run['seconds']:.2f}", f"{run['restart']:.2f}", f"{run['advance']:.2f}",
            f"{run['mib']:,.1f}", f"{run['restart mib']:,.1f}", f"{run['held']:,}",
            f"{run['read']:,}", f"{run['rows']:,}",
        )  # fmt: skip
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
