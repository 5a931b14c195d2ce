"""``segmint stream``'s commit path on a demo workspace: the web events of people new to it
(``segmint generate --seed 8``), in time order, validated, stored, stitched and evaluated in
committed batches of ``--batch`` lines, as ``segmint stream FILE --dataset web`` does (the
command's replay, in-process: start-up not counted). Visitors who log in link a device to an
e-mail, and a link joining two profiles that hold events is a merge: the stream stores and
feeds its batch in pieces, one starting at each merge.

Baseline, same process and input: the same events with only their primary identity (no link,
so no merge and one piece per batch). Each row is the median of ``--repeats`` runs, each on a
fresh copy of the workspace; "history" is the rows the stream recorded (the same in every run).

    python benchmarks/stream_service.py --events 20000 --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from harness import DATA, demo_workspace
from rich.console import Console
from rich.table import Table

from segmint.cli.stream import replay
from segmint.collector import long_lived
from segmint.schema.arrow import IDENTITY_MAP
from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream

LINKED, BASELINE = "with links (merges)", "primary identity only (baseline)"


def prepare(profiles: int, people: int) -> tuple[Path, Path]:
    """A demo workspace and the new people's web events (both made once)."""
    workspace = demo_workspace("stream-ws", profiles)
    folder = DATA / f"stream-new-{people}"
    if not (folder / "web.jsonl").exists():
        subprocess.run(
            [sys.executable, "-m", "segmint.cli", "generate", "--out", str(folder),
             "--profiles", str(people), "--seed", "8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return workspace, folder / "web.jsonl"


def primary_only(identities: dict[str, list[dict[str, object]]]) -> dict[str, object]:
    """An XDM identity map (namespace: entries) reduced to its primary entry."""
    return {
        namespace: primary
        for namespace, entries in identities.items()
        if (primary := [entry for entry in entries if entry.get("primary")])
    }


def inputs(source: Path, count: int) -> dict[str, list[bytes]]:
    """The first ``count`` events in time order, as sent and with their primary identity
    only."""
    records = sorted(
        (orjson.loads(line) for line in source.read_bytes().splitlines() if line.strip()),
        key=lambda record: str(record["timestamp"]),
    )[:count]
    unlinked = [{**record, IDENTITY_MAP: primary_only(record[IDENTITY_MAP])} for record in records]
    return {
        LINKED: [orjson.dumps(record) for record in records],
        BASELINE: [orjson.dumps(record) for record in unlinked],
    }


def run(workspace: Path, lines: list[bytes], batch: int) -> tuple[float, int, int]:
    """Seconds to stream the lines into a fresh copy of the workspace, the batches it logged
    (pieces of each dataset) and the history rows it recorded."""
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        copy = Path(folder) / "ws"
        shutil.copytree(workspace, copy)
        with Workspace.open(copy) as ws, long_lived():
            ws.use("prod")
            before = history_rows(ws)
            stream = EventStream(ws, "web", name="benchmark", source="benchmark")
            started = time.perf_counter()
            replay(stream, enumerate(lines, 1), batch)
            seconds = time.perf_counter() - started
            (pieces,) = ws.con.execute(
                "SELECT count(*) FROM batches WHERE source = 'stream:benchmark'"
            ).fetchall()[0]
            return seconds, int(pieces), history_rows(ws) - before


def history_rows(ws: Workspace) -> int:
    (rows,) = ws.con.execute("SELECT count(*) FROM membership_history").fetchall()[0]
    return int(rows)


def input_options(description: str | None) -> argparse.ArgumentParser:
    """A parser with the options that choose the input: how many events, of how many new
    people, into a demo workspace of how many profiles."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--profiles", type=int, default=10_000, help="demo workspace size")
    parser.add_argument("--people", type=int, default=5_000, help="new people generated")
    return parser


def main() -> None:
    parser = input_options(__doc__)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workspace, source = prepare(args.profiles, args.people)
    found: dict[str, tuple[float, int, int]] = {}
    for name, lines in inputs(source, args.events).items():
        runs = [run(workspace, lines, args.batch) for _ in range(args.repeats)]
        found[name] = (statistics.median(seconds for seconds, _, _ in runs), *runs[0][1:])
    table = Table(title=f"segmint stream, {args.events:,} new web events, batch {args.batch:,}")
    for column in ("input", "events/s", "seconds", "pieces", "history rows", "vs baseline"):
        table.add_column(column, justify="right")
    baseline = found[BASELINE][0]
    for name, (seconds, pieces, rows) in found.items():
        table.add_row(
            name, f"{args.events / seconds:,.0f}", f"{seconds:.2f}", f"{pieces:,}", f"{rows:,}",
            f"{baseline / seconds:.2f}",
        )  # fmt: skip
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
