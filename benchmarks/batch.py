"""Batch segmentation: Segmint's compiled queries against hand-written DuckDB SQL.

For each demo-style segment: the median seconds of the query Segmint compiles for it alone (as
``segmint sql`` prints it, run on the job relations ``seg_profiles`` / ``seg_events`` /
``seg_members``), of a hand-written idiomatic DuckDB query for the same question on the same
relations (the baseline), their ratio, and of the reference interpreter over a sample of
profiles, extrapolated to all of them. Then the whole job (``segments.evaluate``: relations, one
grouped pass shared by the segments' event aggregates, every segment, the ledger) against all
the hand-written queries run one after another (in turn with the job), and the peak RSS. A
check column says whether each hand-written query selects exactly the profiles Segmint selects
(and the reference on its sample).

Demo data is generated once into benchmarks/.data/demo-N/ and ingested once into a workspace in
benchmarks/.data/batch-ws-N/; both are reused by later runs. Above 100k people it is generated
and ingested in shards of 100k (seeds 7, 8, ...); ``--visit-rate`` scales the visits per person
(2.3 gives about 100 events a person, so 1M people about 100M events).

    python benchmarks/batch.py --profiles 20000 --runs 3
    nice python benchmarks/batch.py --profiles 1000000 --visit-rate 2.3 --prepare-only
    nice python benchmarks/batch.py --profiles 1000000 --visit-rate 2.3 --runs 3 --sample 1000
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from segmint import segments
from segmint.cli.workspace import create_sandbox
from segmint.demo import DEFAULT_END, generate, generate_tables
from segmint.demo.writer import write_files
from segmint.engines.duckdb import Connection
from segmint.evaluate.batch import sources
from segmint.evaluate.batch.compiler import Compiler
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.reference import evaluate as reference_evaluate
from segmint.ingest.pipeline import ingest_file
from segmint.plan.dependencies import evaluation_order
from segmint.plan.nodes import Plan
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.definitions import SegmentSpec
from segmint.store.workspace import Workspace

DATA = Path(__file__).parent / ".data"
DEMO_DATASETS = (
    ("crm.csv", "crm", SchemaClass.PROFILE),
    ("web.jsonl", "web", SchemaClass.EVENT),
    ("app.parquet", "app", SchemaClass.EVENT),
    ("email.jsonl", "email", SchemaClass.EVENT),
)
AS_OF = DEFAULT_END.replace(tzinfo=None)


def _ts(delta: timedelta) -> str:
    return f"TIMESTAMP '{(AS_OF - delta).isoformat(sep=' ')}'"


@dataclass(frozen=True)
class Case:
    name: str
    construct: str
    pql: str
    #: The hand-written query: one ``profile_id`` column, over the job relations.
    baseline: str


D30, D90, D14 = _ts(timedelta(days=30)), _ts(timedelta(days=90)), _ts(timedelta(days=14))
CASES = (
    Case(
        "US customers",
        "attribute",
        'homeAddress.countryCode = "US"',
        "SELECT profile_id FROM seg_profiles WHERE homeAddress.countryCode = 'US'",
    ),
    Case(
        "Gold or platinum, born before 1980",
        "in list, number",
        'loyalty.tier in ["gold", "platinum"] and person.birthYear < 1980',
        "SELECT profile_id FROM seg_profiles "
        "WHERE loyalty.tier IN ('gold', 'platinum') AND person.birthYear < 1980",
    ),
    Case(
        "Sneaker searchers, no purchase (30 d)",
        "windowed counts, not",
        'xEvent[eventType = "search" and search.keywords.contains("sneakers", false)'
        " and timestamp occurs <= 30 days before now].count() > 0"
        ' and not (xEvent[eventType = "commerce.purchases"'
        " and timestamp occurs <= 30 days before now].count() > 0)",
        f"""SELECT profile_id FROM seg_events
        WHERE timestamp >= {D30} AND eventType IN ('search', 'commerce.purchases')
        GROUP BY profile_id
        HAVING count(*) FILTER (eventType = 'search'
                                AND contains(lower(search.keywords), 'sneakers')) > 0
           AND count(*) FILTER (eventType = 'commerce.purchases') = 0""",
    ),
    Case(
        "3+ purchases (90 d)",
        "windowed count",
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 90 days before now]'
        ".count() >= 3",
        f"""SELECT profile_id FROM seg_events
        WHERE eventType = 'commerce.purchases' AND timestamp >= {D90}
        GROUP BY profile_id HAVING count(*) >= 3""",
    ),
    Case(
        "Spent over 200 (90 d)",
        "windowed sum",
        "sum X.commerce.order.priceTotal over X from xEvent"
        ' where X.eventType = "commerce.purchases" and X.timestamp occurs <= 90 days before now'
        " > 200",
        f"""SELECT profile_id FROM seg_events
        WHERE eventType = 'commerce.purchases' AND timestamp >= {D90}
        GROUP BY profile_id HAVING sum(commerce.order.priceTotal) > 200""",
    ),
    Case(
        "View then add to cart (1 h)",
        "chain",
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productViews"),'
        ' B: WHAT(eventType = "commerce.productListAdds") WHEN(<= 1 hour after A)])',
        """WITH v AS (SELECT profile_id, timestamp FROM seg_events
                     WHERE eventType = 'commerce.productViews'),
             a AS (SELECT profile_id, timestamp FROM seg_events
                   WHERE eventType = 'commerce.productListAdds')
        SELECT DISTINCT a.profile_id FROM a ASOF JOIN v
          ON a.profile_id = v.profile_id AND a.timestamp > v.timestamp
        WHERE a.timestamp <= v.timestamp + INTERVAL 1 HOUR""",
    ),
    Case(
        "US sneaker prospects",
        "segment of segments",
        'inSegment("Sneaker searchers, no purchase (30 d)") and inSegment("US customers")',
        """SELECT profile_id FROM seg_members
        WHERE segment = 'Sneaker searchers, no purchase (30 d)'
        INTERSECT SELECT profile_id FROM seg_members WHERE segment = 'US customers'""",
    ),
    Case(
        "Tech or gaming fans",
        "list intersects",
        'preferences.interests.intersects(["tech", "gaming"])',
        "SELECT profile_id FROM seg_profiles "
        "WHERE list_has_any(preferences.interests, ['tech', 'gaming'])",
    ),
    Case(
        "Email clickers (14 d)",
        "windowed existence",
        'xEvent[eventType = "directMarketing.emailClicked"'
        " and timestamp occurs <= 14 days before now].count() > 0",
        f"""SELECT DISTINCT profile_id FROM seg_events
        WHERE eventType = 'directMarketing.emailClicked' AND timestamp >= {D14}""",
    ),
)


# Data -------------------------------------------------------------------------------------


#: People per generated shard: larger data sets are generated and ingested shard by shard (seeds
#: 7, 8, ...), so the generator's memory stays bounded (it holds a shard's events in memory).
SHARD = 100_000
#: A shard's files: events as Parquet, which ingests several times faster than JSON lines.
SHARD_FILES = (("crm.csv", "crm"), ("web.parquet", "web"), ("app.parquet", "app"),
               ("email.parquet", "email"))  # fmt: skip


def data_name(profiles: int, visit_rate: float) -> str:
    return f"{profiles}" if visit_rate == 1.0 else f"{profiles}-visits{visit_rate:g}"


def prepare_workspace(profiles: int, visit_rate: float, console: Console) -> Path:
    """Demo data for ``profiles`` people, ingested into a workspace, made once and reused.

    Up to ``SHARD`` people it is the demo's files (seed 7), kept in benchmarks/.data/demo-N/;
    beyond, shard after shard is generated, ingested and deleted, resuming after the last
    shard ingested (identities of different shards can collide now and then, which stitches
    those people into one profile)."""
    folder = DATA / f"batch-ws-{data_name(profiles, visit_rate)}"
    if (folder / "ready").exists():
        return folder
    if not (folder / "created").exists():
        shutil.rmtree(folder, ignore_errors=True)
        with Workspace.open(folder, create=True) as workspace:
            create_sandbox(workspace, "prod")
            workspace.use("prod")
            for _, name, schema_class in DEMO_DATASETS:
                catalog.create_dataset(workspace.con, catalog.Dataset(name, schema_class))
        (folder / "created").write_text("created\n")
    with Workspace.open(folder) as workspace:
        workspace.use("prod")
        if profiles <= SHARD:
            files = DATA / f"demo-{data_name(profiles, visit_rate)}"
            if not all((files / name).exists() for name, _, _ in DEMO_DATASETS):
                timed(console, f"generating {profiles:,} people into {files}", lambda: generate(
                    files, profiles=profiles, visit_rate=visit_rate))  # fmt: skip
            ingest(workspace, files, [(file, name) for file, name, _ in DEMO_DATASETS], console)
        for shard, start in enumerate(range(0, profiles if profiles > SHARD else 0, SHARD)):
            done = folder / f"shard-{shard}.done"
            if done.exists():
                continue
            files = DATA / f"shard-{data_name(profiles, visit_rate)}"
            size = min(SHARD, profiles - start)
            timed(console, f"generating shard {shard}: {size:,} people, seed {7 + shard}",
                  partial(write_shard, files, size, 7 + shard, visit_rate))  # fmt: skip
            ingest(workspace, files, list(SHARD_FILES), console)
            shutil.rmtree(files)
            done.write_text("ingested\n")
        workspace.con.execute("CHECKPOINT")
    (folder / "ready").write_text("ingested\n")
    return folder


def write_shard(files: Path, profiles: int, seed: int, visit_rate: float) -> None:
    tables = generate_tables(profiles, seed=seed, visit_rate=visit_rate)
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    parts = dict(zip((name for _, name in SHARD_FILES), (tables.crm, tables.web, tables.app,
                                                          tables.email), strict=True))  # fmt: skip
    write_files([(parts[name], files / file) for file, name in SHARD_FILES], lambda _: None)


def timed(console: Console, what: str, action: Callable[[], object]) -> None:
    console.print(what)
    started = time.perf_counter()
    action()
    console.print(f"  done in {time.perf_counter() - started:.1f} s")


def ingest(
    workspace: Workspace, files: Path, datasets: list[tuple[str, str]], console: Console
) -> None:
    for file, name in datasets:
        started = time.perf_counter()
        report = ingest_file(workspace, files / file, name)
        seconds = time.perf_counter() - started
        console.print(f"  {file}: {report.added:,} records in {seconds:.1f} s")


def define_segments(con: Connection) -> None:
    segments.apply(con, [SegmentSpec(case.name, case.pql, case.construct) for case in CASES])


# Timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Medians of wall-clock and of process CPU seconds (all DuckDB threads): on a shared
    machine the CPU time is the steadier of the two."""

    wall: float
    cpu: float


def median_seconds(action: Callable[[], object], runs: int) -> Timing:
    return median_each([action], runs)[0]


def median_each(actions: list[Callable[[], object]], runs: int) -> list[Timing]:
    """Medians of actions run in turn (after one warm-up each), so that changes in the
    machine's load hit them alike."""
    for action in actions:
        action()
    walls: list[list[float]] = [[] for _ in actions]
    cpus: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for index, action in enumerate(actions):
            started, cpu = time.perf_counter(), time.process_time()
            action()
            walls[index].append(time.perf_counter() - started)
            cpus[index].append(time.process_time() - cpu)
    return [
        Timing(statistics.median(wall), statistics.median(cpu))
        for wall, cpu in zip(walls, cpus, strict=True)
    ]


def materialise(con: Connection, table: str, query: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")


def same_profiles(con: Connection, left: str, right: str) -> bool:
    row = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT profile_id FROM {left} EXCEPT "
        f"SELECT profile_id FROM {right})) + (SELECT count(*) FROM (SELECT profile_id FROM "
        f"{right} EXCEPT SELECT profile_id FROM {left}))"
    ).fetchone()
    return row is not None and row[0] == 0


def count(con: Connection, table: str) -> int:
    row = con.execute(f"SELECT count(DISTINCT profile_id) FROM {table}").fetchone()
    return int(row[0]) if row else 0


# Reference interpreter on a sample --------------------------------------------------------


def _prune(value: Any) -> Any:
    """Missing values left out, as the store's merged profiles and events are."""
    if isinstance(value, dict):
        kept = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def load_sample(con: Connection, ids: list[int]) -> dict[int, tuple[dict[str, Any], list[Any]]]:
    """Merged attributes and events of the sampled profiles, from the job relations."""
    con.execute("CREATE OR REPLACE TEMP TABLE bench_sample (profile_id BIGINT)")
    con.executemany("INSERT INTO bench_sample VALUES (?)", [[i] for i in ids])
    loaded: dict[int, tuple[dict[str, Any], list[Any]]] = {i: ({}, []) for i in ids}
    attributes = con.sql(
        "SELECT * FROM seg_profiles WHERE profile_id IN (SELECT profile_id FROM bench_sample)"
    ).to_arrow_table()
    for record in attributes.to_pylist():
        loaded[record.pop("profile_id")][0].update(_prune(record))
    events = con.sql(
        "SELECT * FROM seg_events WHERE profile_id IN (SELECT profile_id FROM bench_sample) "
        "ORDER BY timestamp, _id"
    ).to_arrow_table()
    for record in events.to_pylist():
        loaded[record.pop("profile_id")][1].append(_prune(record))
    return loaded


@dataclass
class ReferenceRun:
    seconds: dict[str, float]
    members: dict[str, set[int]]


def run_reference(
    plans: dict[str, Plan], sample: dict[int, tuple[dict[str, Any], list[Any]]]
) -> ReferenceRun:
    """Every segment over the sample, in dependency order (inSegment sees earlier results)."""
    order = evaluation_order(plans, {name: name for name in plans})
    realized: dict[int, set[str]] = {pid: set() for pid in sample}
    run = ReferenceRun({}, {})
    for name in order:
        profiles = [
            (pid, ProfileData(attrs, events, frozenset(realized[pid])))
            for pid, (attrs, events) in sample.items()
        ]
        started = time.perf_counter()
        chosen = {pid for pid, data in profiles if reference_evaluate(plans[name], data, AS_OF)}
        run.seconds[name] = time.perf_counter() - started
        run.members[name] = chosen
        for pid in chosen:
            realized[pid].add(name)
    return run


# Report -----------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument(
        "--visit-rate",
        type=float,
        default=1.0,
        help="scales visits (web and app events) per person; 2.3 gives ~100 events a person",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="generate and ingest the data set, then stop"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--sample", type=int, default=2_000, help="profiles the reference interpreter evaluates"
    )
    args = parser.parse_args()
    console = Console(width=200)
    folder = prepare_workspace(args.profiles, args.visit_rate, console)
    if args.prepare_only:
        return
    with Workspace.open(folder) as workspace:
        workspace.use("prod")
        con = workspace.con
        con.execute("SET enable_progress_bar = false")
        define_segments(con)
        names = [case.name for case in CASES]
        with workspace.transaction():
            segments.evaluate(con, names, AS_OF)  # ledger as of AS_OF, for inSegment

        def job(as_of: datetime) -> None:
            con.execute("BEGIN TRANSACTION")
            try:
                segments.evaluate(con, names, as_of)
            finally:
                con.execute("ROLLBACK")

        def hand_queries() -> None:
            for case in CASES:
                materialise(con, "bench_hand", case.baseline)

        # The job against all hand-written queries in turn, so the same load hits both.
        job_same, job_new, hand_total = median_each(
            [partial(job, AS_OF), partial(job, AS_OF + timedelta(seconds=1)), hand_queries],
            args.runs,
        )
        plans = {case.name: segments.compile_pql(con, case.pql) for case in CASES}
        profile_schema = sources.needed_schema(
            catalog.schema(con, SchemaClass.PROFILE), list(plans.values())
        )
        policy = catalog.merge_policy(con)
        prepared = median_seconds(
            lambda: sources.prepare(con, profile_schema, policy, AS_OF), args.runs
        )
        compiler = Compiler(AS_OF, profile_schema, catalog.schema(con, SchemaClass.EVENT))
        totals = con.execute("SELECT count(*) FROM seg_profiles").fetchone()
        events = con.execute("SELECT count(*) FROM seg_events").fetchone()
        profiles = int(totals[0]) if totals else 0
        ids = [int(r[0]) for r in con.execute("SELECT profile_id FROM seg_profiles").fetchall()]
        sample_ids = random.Random(7).sample(ids, min(args.sample, len(ids)))
        sample = load_sample(con, sample_ids)
        reference = run_reference(plans, sample)
        scale = profiles / max(1, len(sample_ids))

        view = Table(
            title=(
                f"batch segments, {args.profiles:,} demo people = {profiles:,} profiles, "
                f"{int(events[0]) if events else 0:,} events, as_of {AS_OF:%Y-%m-%d}; "
                f"median of {args.runs} alternating "
                f"segmint and hand SQL runs (after 1 warm-up each); cpu: process CPU seconds"
            )
        )
        for column in (
            "segment", "construct", "members", "segmint s", "hand SQL s", "ratio", "segmint cpu",
            "hand cpu", "ratio cpu", f"reference s (x{scale:.0f} of {len(sample_ids):,})",
            "ref / segmint", "same set", "ref = segmint",
        ):  # fmt: skip
            view.add_column(
                column, justify="left" if column in ("segment", "construct") else "right"
            )
        for case in CASES:
            query = compiler.segment_query(plans[case.name]).sql("duckdb")
            ours, hand = median_each(
                [partial(materialise, con, "bench_ours", query),
                 partial(materialise, con, "bench_hand", case.baseline)],
                args.runs,
            )  # fmt: skip
            agrees = same_profiles(con, "bench_ours", "bench_hand")
            ours_sample = {
                int(r[0])
                for r in con.execute(
                    "SELECT profile_id FROM bench_ours WHERE profile_id IN "
                    "(SELECT profile_id FROM bench_sample)"
                ).fetchall()
            }
            referenced = reference.seconds[case.name] * scale
            view.add_row(
                case.name,
                case.construct,
                f"{count(con, 'bench_ours'):,}",
                f"{ours.wall:.4f}",
                f"{hand.wall:.4f}",
                f"{ours.wall / hand.wall:.2f}",
                f"{ours.cpu:.4f}",
                f"{hand.cpu:.4f}",
                f"{ours.cpu / hand.cpu:.2f}" if hand.cpu else "-",
                f"{referenced:.2f}",
                f"{referenced / ours.wall:,.0f}",
                "yes" if agrees else "NO",
                "yes" if ours_sample == reference.members[case.name] else "NO",
            )
        console.print(view)
        summary = Table(title="whole job (9 segments)")
        summary.add_column("")
        summary.add_column("wall s", justify="right")
        summary.add_column("cpu s", justify="right")
        rows = (
            ("segments.evaluate, same as_of (ledger rows unchanged)", job_same),
            ("segments.evaluate, new as_of (every realized row rewritten)", job_new),
            ("  of which job relations (sources.prepare)", prepared),
            ("hand-written queries, one after another", hand_total),
        )
        for label, timing in rows:
            summary.add_row(label, f"{timing.wall:.3f}", f"{timing.cpu:.3f}")
        for label, timing in rows[:2]:
            summary.add_row(
                f"ratio {label.split(',')[1].split('(')[0].strip()} job / hand-written",
                f"{timing.wall / hand_total.wall:.2f}",
                f"{timing.cpu / hand_total.cpu:.2f}",
            )
            summary.add_row(
                "  without the job relations",
                f"{(timing.wall - prepared.wall) / hand_total.wall:.2f}",
                f"{(timing.cpu - prepared.cpu) / hand_total.cpu:.2f}",
            )
        summary.add_row("peak RSS of this process (MiB)", f"{peak_rss_mib():,.0f}", "")
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        summary.add_row("DuckDB memory_limit", str(limit[0] if limit else "?"), "")
        console.print(summary)


if __name__ == "__main__":
    main()
