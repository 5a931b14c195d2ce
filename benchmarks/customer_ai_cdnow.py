"""Customer AI on real data: the CDNOW purchases (23,570 customers, 1997-1998), the standard
protocol of 39 weeks of calibration (1997-01-01 to 1997-09-30) and 39 weeks of holdout
(1997-10-01 to 1998-06-30). Goal: a repeat purchase in the holdout (conversion) and none
(churn). The file becomes JSONL purchase events and goes through the real ingestion path; the
model is trained, scored and explained as `segmint ai` does it; a recency-frequency logistic
regression is fitted on the same training rows and measured on the same evaluation rows (profiles
the model neither trained nor calibrated on).

    python benchmarks/customer_ai_cdnow.py [--data ../shared/data/cdnow/CDNOW_master.txt]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from segmint.ai import instances, metrics, score, train
from segmint.ai.features import GOAL, Feature, Kind
from segmint.ai.instances import Instance, PropensityType
from segmint.cli.workspace import create_sandbox
from segmint.ingest.pipeline import ingest_file
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.workspace import Workspace

DEFAULT_DATA = Path(__file__).parents[2] / "shared" / "data" / "cdnow" / "CDNOW_master.txt"
#: Purchases are dated by day; at noon, the calibration end and the holdout end are exact.
CUTOFF = datetime(1997, 9, 30, 12)
HOLDOUT_END = datetime(1998, 6, 30, 12)
WINDOW_DAYS = (HOLDOUT_END - CUTOFF).days  # 273 days = 39 weeks
GOAL_PQL = 'eventType = "commerce.purchases"'


def to_events(source: Path, target: Path) -> int:
    """CDNOW rows as purchase events with an order total and one identity per customer."""
    rows = 0
    with source.open(encoding="utf-8") as lines, target.open("wb") as out:
        next(lines)
        for number, line in enumerate(lines):
            customer, day, cds, dollars = line.split()
            moment = datetime.strptime(day, "%Y%m%d") + timedelta(hours=12)
            event = {
                "_id": f"cdnow-{number}",
                "timestamp": moment.isoformat() + "Z",
                "eventType": "commerce.purchases",
                "commerce": {
                    "order": {"priceTotal": float(dollars)},
                    "purchases": {"value": float(cds)},
                },
                "identityMap": {"crmId": [{"id": f"CDNOW{customer}", "primary": True}]},
            }
            out.write(orjson.dumps(event) + b"\n")
            rows += 1
    return rows


def baseline(trained: train.Trained) -> np.ndarray:
    """Recency-frequency logistic regression: days since the last purchase and the number of
    purchases before the cutoff (log), fitted on the model's training fold."""
    names = trained.matrix.features
    recency = trained.matrix.values[:, names.index(Feature(Kind.RECENCY, GOAL))]
    frequency = trained.matrix.values[:, names.index(Feature(Kind.COUNT, GOAL))]
    x = np.column_stack([recency, np.log1p(frequency)])
    fold = trained.folds.train
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x[fold], trained.labels[fold])
    return np.asarray(model.predict_proba(x)[:, 1])


def run(ws: Workspace, kind: PropensityType, console: Console) -> list[tuple[Any, ...]]:
    instance = instances.create(
        ws.con, Instance(f"cdnow_{kind.value}", kind, GOAL_PQL, WINDOW_DAYS)
    )
    started = time.perf_counter()
    trained = train.train(ws.con, ws.path, instance, HOLDOUT_END)
    trained_in = time.perf_counter() - started
    started = time.perf_counter()
    scored = score.score(ws.con, instance, CUTOFF)
    scored_in = time.perf_counter() - started
    held_out = trained.folds.evaluate
    labels = trained.labels[held_out]
    ours = metrics.evaluate(labels, trained.probability[held_out])
    theirs = metrics.evaluate(labels, baseline(trained)[held_out])
    console.print(
        f"{kind.value}: {trained.matrix.rows:,} profiles, cutoffs {trained.meta['cutoffs']}, "
        f"evaluation fold {len(labels):,} ({int(labels.sum()):,} positive), "
        f"{trained.meta['bestIteration']} trees; trained in {trained_in:.1f} s, "
        f"{scored.rows:,} scored with factors in {scored_in:.1f} s"
    )
    example = scored.factors[int(np.argmax(scored.probability))]
    console.print("  factors of the highest score: " + "; ".join(f.description for f in example))
    return [
        (kind.value, name, result["auc"], result["logLoss"], result["topDecileLift"],
         result["ece"])
        for name, result in (("Segmint Customer AI", ours), ("RF logistic baseline", theirs))
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "cdnow.jsonl"
        started = time.perf_counter()
        rows = to_events(args.data, events)
        with Workspace.open(Path(folder) / "ws", create=True) as ws:
            create_sandbox(ws, "prod")
            ws.use("prod")
            catalog.create_dataset(ws.con, catalog.Dataset("cdnow", SchemaClass.EVENT))
            report = ingest_file(ws, events, "cdnow")
            console.print(
                f"ingested {report.added:,} of {rows:,} purchases "
                f"in {time.perf_counter() - started:.1f} s"
            )
            results = run(ws, PropensityType.CONVERSION, console)
            results += run(ws, PropensityType.CHURN, console)
    table = Table(title="CDNOW, 39 weeks calibration / 39 weeks holdout (evaluation fold)")
    for column in ("goal", "model", "AUC", "log loss", "top-decile lift", "ECE"):
        table.add_column(column)
    for goal, model, auc, loss, lift, ece in results:
        table.add_row(goal, model, f"{auc:.4f}", f"{loss:.4f}", f"{lift:.2f}", f"{ece:.4f}")
    console.print(table)


if __name__ == "__main__":
    main()
