"""``segmint ai ...``: Customer AI instances, training, scoring and insights.

The commands import the AI stack (LightGBM, scikit-learn, SciPy) when they run: it takes
seconds to load, which every other command would otherwise pay at start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, TimeElapsedColumn

from segmint.ai import instances
from segmint.ai.instances import Instance, PropensityType
from segmint.cli.context import open_sandbox
from segmint.cli.instants import instant_option
from segmint.cli.output import OutputFormat, console, print_json, progress, table
from segmint.files import replacing, writable

ai_app = typer.Typer(help="Customer AI: churn and conversion propensity.", no_args_is_help=True)
AS_OF_HELP = "Instant (UTC) to train or score at (default: the last event's time)."


@contextmanager
def _bar(what: str) -> Iterator[Callable[[str, int, int], None]]:
    columns = ("{task.description}", BarColumn(), TimeElapsedColumn())
    with progress(*columns) as bar:
        task = bar.add_task(what, total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"{what}: {stage}", completed=done, total=total)

        yield update


@ai_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    kind: PropensityType = typer.Option(..., "--type", help="churn or conversion."),
    goal: str = typer.Option(
        ..., "--goal", help='Event condition, e.g. eventType = "commerce.purchases".'
    ),
    window: str = typer.Option("30d", "--window", help="Prediction window: 30d, 4w."),
    eligibility: str | None = typer.Option(
        None, "--eligibility", help="Segment PQL of who is scored."
    ),
    features: list[str] = typer.Option(
        [], "--features", help="Extra profile field; repeat for more."
    ),
) -> None:
    """Define a propensity model instance (checked against the schemas)."""
    instance = Instance(
        name, kind, goal, instances.parse_window(window), eligibility, tuple(features)
    )
    with open_sandbox(ctx) as workspace:
        instances.create(workspace.con, instance)
    console.print(
        f"Customer AI instance [bold]{escape(name)}[/] created; "
        f"train it with `segmint ai train {escape(name)}`"
    )


@ai_app.command("list")
def list_instances(
    ctx: typer.Context, output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")
) -> None:
    """List instances with their latest model version."""
    from segmint.ai import service

    with open_sandbox(ctx) as workspace:
        found = service.summaries(workspace.con)
    columns = ("name", "type", "goal", "windowDays", "eligibility", "modelVersion")
    rows = [{column: row[column] for column in columns} for row in found]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table(None, ["name", "type", "goal", "window (days)", "eligibility", "model"],
          [tuple(row.values()) for row in rows])  # fmt: skip


@ai_app.command("show")
def show(ctx: typer.Context, name: str) -> None:
    """An instance with its model versions and their metrics (as JSON)."""
    from segmint.ai import service

    with open_sandbox(ctx) as workspace:
        described = service.describe(workspace.con, name)
    del described["modelVersion"]
    print_json(described)


@ai_app.command("delete")
def delete(ctx: typer.Context, name: str) -> None:
    """Delete an instance, its models, score history and the scores on profiles."""
    from segmint.ai import service

    with open_sandbox(ctx) as workspace:
        service.delete(workspace, name)
    console.print(f"Customer AI instance [bold]{escape(name)}[/] deleted")


@ai_app.command("train")
def train_command(
    ctx: typer.Context,
    name: str,
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
) -> None:
    """Train a new model version on point-in-time data from several cutoffs."""
    from segmint.ai import service

    with open_sandbox(ctx) as workspace, _bar(f"training {name}") as update:
        trained = service.train_model(workspace, name, as_of, update)
    metrics = trained.meta["metrics"]
    table(
        f"{name}: model version {trained.version}",
        ["metric", "value"],
        [("AUC", round(metrics["auc"], 4)), ("log loss", round(metrics["logLoss"], 4)),
         ("expected calibration error", round(metrics["ece"], 4)),
         ("top-decile lift", round(metrics["topDecileLift"], 3)),
         ("evaluation rows", metrics["rows"]), ("cutoffs", len(trained.meta["cutoffs"]))],
    )  # fmt: skip


@ai_app.command("score")
def score_command(
    ctx: typer.Context,
    name: str,
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
) -> None:
    """Score eligible profiles and write the scores onto them (customerAI.<name>.*)."""
    from segmint.ai import service

    with open_sandbox(ctx) as workspace, _bar(f"scoring {name}") as update:
        scores = service.score_profiles(workspace, name, as_of, update)
    sizes = service.bucket_sizes(scores)
    table(
        f"{name}: {scores.rows:,} profiles scored with model version {scores.model_version}",
        ["bucket", "profiles"],
        list(sizes.items()),
    )
    console.print(f"segment on it, e.g. --pql 'customerAI.{escape(name)}.score >= 75'")


@ai_app.command("insights")
def insights_command(
    ctx: typer.Context,
    name: str,
    html: Path | None = typer.Option(
        None, "--html", help="Also write a self-contained HTML report."
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Model evaluation, lift, calibration, importance and score distribution."""
    from segmint.ai import report, service

    if html is not None:
        writable(html)
    with open_sandbox(ctx) as workspace:
        data = service.insights(workspace.con, name)
    if html is not None:
        with replacing(html) as partial:
            partial.write_text(report.html(data), encoding="utf-8")
    if output is OutputFormat.JSON:
        print_json(data)
        return
    metrics = data["metrics"]
    table(f"{name}: model version {data['modelVersion']}", ["metric", "value"],
          [("AUC", round(metrics["auc"], 4)), ("log loss", round(metrics["logLoss"], 4)),
           ("expected calibration error", round(metrics["ece"], 4)),
           ("base rate", round(metrics["baseRate"], 4))])  # fmt: skip
    table("by decile", ["decile", "rate", "lift", "cumulative gain"],
          [(d["decile"], round(d["rate"], 4), round(d["lift"], 3), round(d["gain"], 3))
           for d in data["deciles"]])  # fmt: skip
    table("calibration", ["predicted", "observed", "profiles"],
          [(round(p["predicted"], 4), round(p["observed"], 4), p["rows"])
           for p in data["calibration"]])  # fmt: skip
    table("feature importance", ["feature", "share of gain"],
          [(i["feature"], round(i["share"], 4)) for i in data["importance"][:10]])  # fmt: skip
    if data["scoring"] is not None:
        table("buckets of the latest scoring", ["bucket", "profiles"],
              list(data["scoring"]["buckets"].items()))  # fmt: skip
    if html is not None:
        console.print(f"report written to {escape(str(html))}")


def register(app: typer.Typer) -> None:
    app.add_typer(ai_app, name="ai")
