"""``segmint generate`` and ``segmint demo``: a realistic retailer, ingested and stitched,
segmented in batch, and its last day replayed through the streaming processor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.progress import BarColumn, TimeElapsedColumn

from segmint import segments
from segmint.ai import instances
from segmint.ai.instances import Instance, PropensityType
from segmint.ai.requirements import InsufficientDataError
from segmint.cli.context import settings
from segmint.cli.data import run_ingest
from segmint.cli.output import console, progress, table
from segmint.cli.workspace import create_sandbox
from segmint.demo import DEFAULT_END
from segmint.demo import generate as generate_files
from segmint.demo.replay import display_names, replay_last_day
from segmint.demo.segments import DEMO_SEGMENTS
from segmint.evaluate.streaming import Trigger
from segmint.ingest.pipeline import IngestReport, OnError
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.definitions import SegmentSpec
from segmint.store.workspace import Workspace

if TYPE_CHECKING:  # the AI stack loads when the demo trains (``segmint.cli.ai``)
    from segmint.ai import train
    from segmint.ai.score import Scores

#: Demo files and the datasets they go into, in ingestion order (profiles first).
DEMO_DATASETS = (
    ("crm.csv", "crm", SchemaClass.PROFILE),
    ("web.jsonl", "web", SchemaClass.EVENT),
    ("app.parquet", "app", SchemaClass.EVENT),
    ("email.jsonl", "email", SchemaClass.EVENT),
)

#: Evaluation time of the demo: the end of the generated data, naive UTC as stored.
END = DEFAULT_END.replace(tzinfo=None)
PROFILES_HELP = "People to generate, known and anonymous."


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by the generator's (stage, done, total) callbacks."""
    columns = (
        "{task.description}",
        BarColumn(),
        "{task.completed}/{task.total}",
        TimeElapsedColumn(),
    )
    with progress(*columns) as bar:
        task = bar.add_task("generating", total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"generating {stage}", completed=done, total=total)

        yield update


def generate(
    out: Path = typer.Option(
        ..., "--out", help="Folder for crm.csv, web/email.jsonl, app.parquet."
    ),
    profiles: int = typer.Option(10_000, "--profiles", min=10, help=PROFILES_HELP),
    seed: int = typer.Option(7, help="Random seed: the same seed writes the same files."),
) -> None:
    """Write the demo retailer's data as files."""
    with _progress() as update:
        generate_files(out, profiles=profiles, seed=seed, progress=update)
    files = [(path.name, path.stat().st_size) for path in sorted(out.iterdir())]
    table(f"demo data in {out}", ["file", "bytes"], files)


def demo(
    ctx: typer.Context,
    profiles: int = typer.Option(10_000, "--profiles", min=10, help=PROFILES_HELP),
    seed: int = typer.Option(7, help="Random seed."),
) -> None:
    """Build a workspace from a realistic retailer's data and summarise it."""
    config = settings(ctx)
    data_dir = config.workspace / "demo-data"
    with Workspace.open(config.workspace, create=True) as workspace:
        create_sandbox(workspace, config.sandbox)
        workspace.use(config.sandbox)
        known = {dataset.name for dataset in catalog.datasets(workspace.con)}
        for _, name, schema_class in DEMO_DATASETS:
            if name not in known:
                catalog.create_dataset(workspace.con, catalog.Dataset(name, schema_class))
        with _progress() as update:
            generate_files(data_dir, profiles=profiles, seed=seed, progress=update)
        reports = [
            run_ingest(workspace, data_dir / file, name, None, OnError.FAIL)
            for file, name, _ in DEMO_DATASETS
        ]
        _summarise(workspace, reports)
        _segment(workspace)
        _customer_ai(workspace)
        _stream(workspace)


def _summarise(workspace: Workspace, reports: list[IngestReport]) -> None:
    console.print(f"[bold]Segmint demo[/] — workspace {escape(str(workspace.path))}")
    table(
        "ingestion",
        ["file", "dataset", "records", "added", "duplicates", "rejected", "batch"],
        [
            (
                Path(r.file).name,
                r.dataset,
                r.records,
                r.added,
                r.duplicates,
                r.rejected,
                "repeat" if r.already_ingested else "new",
            )
            for r in reports
        ],
    )
    con = workspace.con
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM identities),
               (SELECT count(DISTINCT profile_id) FROM identity_profiles),
               (SELECT count(*) FROM identity_profiles WHERE identity_key <> profile_id),
               (SELECT count(*) FROM identity_issues WHERE kind = 'kept_out'),
               (SELECT count(*) FROM identity_issues WHERE kind = 'evicted'),
               (SELECT count(*) FROM events),
               (SELECT count(DISTINCT identity_key) FROM profile_fragments)
        """
    ).fetchone()
    assert row is not None
    identities, profiles, merged, kept_out, evicted, events, known = row
    table(
        "profiles and identities",
        ["", "count"],
        [
            ("events stored", events),
            ("CRM records", known),
            ("identities", identities),
            ("profiles after stitching", profiles),
            ("identities merged into another's profile", merged),
            ("links kept out (unique namespace conflicts)", kept_out),
            ("identities evicted (graph over the cap)", evicted),
        ],
    )
    table(
        "events by type",
        ["eventType", "events", "profiles"],
        con.execute(
            "SELECT e.eventType, count(*), count(DISTINCT p.profile_id) FROM events e "
            "JOIN identity_profiles p USING (identity_key) GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall(),
    )
    sample = con.execute(
        "SELECT x.namespace || ':' || x.id FROM identities x "
        "JOIN identity_profiles p USING (identity_key) "
        "WHERE x.namespace = 'email' ORDER BY (SELECT count(*) FROM identity_profiles q "
        "WHERE q.profile_id = p.profile_id) DESC, x.id LIMIT 1"
    ).fetchone()
    if sample:
        console.print(f"try: segmint profile get --identity {sample[0]}")


def _segment(workspace: Workspace) -> None:
    """Define the example segments and evaluate them a week before the data ends and at its
    end, so that the second job shows entries and exits."""
    week_before = END - timedelta(days=7)
    with workspace.transaction():
        segments.apply(workspace.con, list(DEMO_SEGMENTS))
        segments.evaluate(workspace.con, None, week_before)
        report = segments.evaluate(workspace.con, None, END)
    described = {spec.name: spec.description for spec in DEMO_SEGMENTS}
    position = {name: index for index, name in enumerate(described)}
    metrics = sorted(report.segments, key=lambda m: position.get(m.name, len(position)))
    table(
        f"segments at {END:%Y-%m-%d} (entries and exits since {week_before:%Y-%m-%d})",
        ["segment", "construct", "members", "entered", "exited"],
        [(m.name, described.get(m.name, ""), m.qualified, m.entered, m.exited) for m in metrics],
    )
    console.print(f"job {report.id}: {len(report.segments)} segments in {report.seconds:.2f} s")


CHURN = Instance("churn", PropensityType.CHURN, 'eventType = "commerce.purchases"', 30, None, ())
CHURN_SEGMENT = SegmentSpec(
    "Likely to churn (Customer AI)",
    'customerAI.churn.score >= 75 and inSegment("3+ purchases in 90 days")',
    "Customer AI score on a segment of frequent buyers",
    tags=("demo", "ai"),
)


def _customer_ai(workspace: Workspace) -> None:
    """Train a churn model on the demo data, score every profile, and segment on the scores."""
    try:
        trained, scores, members = _churn_model(workspace)
    except InsufficientDataError as problem:
        console.print(f"Customer AI skipped: {problem.message} (try a larger --profiles)")
        return
    metrics = trained.meta["metrics"]
    buckets = {bucket: int((scores.bucket == bucket).sum()) for bucket in ("low", "medium", "high")}
    table(
        f"Customer AI: churn (no purchase in the next 30 days), model version {trained.version}",
        ["", "value"],
        [
            ("AUC on held-out profiles", f"{metrics['auc']:.3f}"),
            ("expected calibration error", f"{metrics['ece']:.3f}"),
            ("profiles scored", scores.rows),
            ("low / medium / high", " / ".join(f"{buckets[b]:,}" for b in buckets)),
            (CHURN_SEGMENT.name, members),
        ],
    )


def _churn_model(workspace: Workspace) -> tuple[train.Trained, Scores, int]:
    """(model, scores, members of the churn segment), all committed together or not at all."""
    from segmint.ai import score, train, writeback

    con = workspace.con
    with workspace.transaction():
        if CHURN.name not in {instance.name for instance in instances.all_instances(con)}:
            instances.create(con, CHURN)
        trained = train.train(con, workspace.path, CHURN)
        scores = score.score(con, CHURN)
        writeback.write(con, scores)
        segments.apply(con, [CHURN_SEGMENT])
        report = segments.evaluate(con, [CHURN_SEGMENT.name], END)
    return trained, scores, report.segments[0].qualified


#: Transitions of the replay shown one by one; the rest are counted.
SHOWN = 12


def _stream(workspace: Workspace) -> None:
    """Replay the last day through the streaming processor: entries and exits as they
    happen, those caused by events and those caused by windows lapsing."""
    began = time.perf_counter()
    replayed = replay_last_day(workspace.con, END)
    seconds = time.perf_counter() - began
    transitions = replayed.transitions
    lapsed = sum(t.trigger is Trigger.CLOCK for t in transitions)
    console.print(
        f"[bold]streaming replay[/] from {replayed.start:%Y-%m-%d %H:%M} "
        f"to {replayed.end:%Y-%m-%d %H:%M}: "
        f"{replayed.events:,} events the segments read, {replayed.profiles:,} profiles held, "
        f"{len(transitions):,} transitions ({lapsed:,} as windows lapsed) in {seconds:.2f} s"
    )
    names = display_names(workspace.con, {int(str(t.profile)) for t in transitions[:SHOWN]})
    table(
        f"first {min(SHOWN, len(transitions))} transitions, as they happened",
        ["time", "profile", "segment", "change", "cause"],
        [
            (
                f"{t.time:%H:%M:%S}",
                names.get(int(str(t.profile)), str(t.profile)),
                replayed.names[t.segment],
                t.status,
                "event" if t.trigger is Trigger.EVENT else "window lapsed",
            )
            for t in transitions[:SHOWN]
        ],
    )
    counts = replayed.counts()
    table(
        "transitions of the day by segment and cause (+ entered, - exited; "
        "lapse: the clock passed a window's end, no event)",
        ["segment", "+ event", "+ lapse", "- event", "- lapse"],
        [
            (name, *(counts[name, status, trigger] for status in STATUSES for trigger in Trigger))
            for name in sorted({name for name, _, _ in counts})
        ],
    )
    if replayed.disagreements:
        console.print(
            f"[red]streaming differs from the segment job for {replayed.disagreements} profiles"
        )
    else:
        console.print(f"streaming agrees with the segment job at {END:%Y-%m-%d %H:%M}")


STATUSES = ("entered", "exited")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
    app.command("demo")(demo)
