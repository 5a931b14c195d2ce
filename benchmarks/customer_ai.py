"""Customer AI at scale on demo data: feature building, training, scoring and factor extraction
for every profile, against a baseline measured in the same run: the per-profile contributions of
a LightGBM model with default tree shape (num_leaves=31, no depth cap), on a sample and
extrapolated, which is what the bounded trees avoid.

Demo files are generated once into benchmarks/.data/demo-N/ and ingested once into
benchmarks/.data/ai-ws-N/; both are reused by later runs.

    python benchmarks/customer_ai.py --profiles 100000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import lightgbm as lgb
import numpy as np
from rich.console import Console
from rich.table import Table

from segmint.ai import explain, features, instances, models, population, train
from segmint.ai.calibration import Calibration
from segmint.ai.features import FeatureSpec
from segmint.ai.instances import Instance, PropensityType
from segmint.cli.demo import DEMO_DATASETS
from segmint.cli.workspace import create_sandbox
from segmint.demo import DEFAULT_END, generate
from segmint.ingest.pipeline import ingest_file
from segmint.store import catalog
from segmint.store.workspace import Workspace

DATA = Path(__file__).parent / ".data"
AS_OF = DEFAULT_END.replace(tzinfo=None)
CHURN = Instance("bench_churn", PropensityType.CHURN, 'eventType = "commerce.purchases"', 30)
BASELINE_SAMPLE = 20_000
T = TypeVar("T")


def prepare_workspace(profiles: int, console: Console) -> Path:
    """Demo files and an ingested workspace for ``profiles`` people, made once and reused."""
    files = DATA / f"demo-{profiles}"
    if not all((files / name).exists() for name, _, _ in DEMO_DATASETS):
        console.print(f"generating demo data for {profiles:,} profiles into {files}")
        generate(files, profiles=profiles)
    folder = DATA / f"ai-ws-{profiles}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    console.print(f"ingesting into {folder}")
    with Workspace.open(folder, create=True) as workspace:
        create_sandbox(workspace, "prod")
        workspace.use("prod")
        for _, name, schema_class in DEMO_DATASETS:
            catalog.create_dataset(workspace.con, catalog.Dataset(name, schema_class))
        for file, name, _ in DEMO_DATASETS:
            ingest_file(workspace, files / file, name)
        workspace.con.execute("CHECKPOINT")
    (folder / "ready").write_text("ingested\n")
    return folder


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    args = parser.parse_args()
    console = Console()
    folder = prepare_workspace(args.profiles, console)
    rows: list[tuple[str, float, str]] = []
    with Workspace.open(folder) as ws:
        ws.use("prod")
        con = ws.con
        for existing in instances.all_instances(con):
            if existing.name == CHURN.name:
                instances.delete(con, CHURN.name)
        instances.create(con, CHURN)
        trained, seconds = timed(lambda: train.train(con, ws.path, CHURN))
        meta = trained.meta
        rows.append(("train (4 cutoffs: features, labels, fit, calibrate, store)", seconds,
                     f"{trained.matrix.rows:,} rows, {meta['bestIteration']} trees, "
                     f"AUC {meta['metrics']['auc']:.3f}"))  # fmt: skip
        model = models.load(con, CHURN.name)
        spec = FeatureSpec.from_json(model.meta["spec"])
        policy = catalog.merge_policy(con, None)
        goal = population.goal_sql(con, CHURN, AS_OF)

        def build() -> features.FeatureMatrix:
            relation = population.prepare(con, CHURN, policy, AS_OF)
            return features.encode(spec, features.build(con, spec, policy, goal, AS_OF, relation))

        matrix, seconds = timed(build)
        rows.append(("features at the scoring instant", seconds,
                     f"{matrix.rows:,} profiles x {len(matrix.features)} features"))  # fmt: skip
        calibration = Calibration.from_json(model.meta["calibration"])
        _, seconds = timed(
            lambda: calibration.apply(np.asarray(model.booster.predict(matrix.values)))
        )
        rows.append(("predict + calibrate", seconds, f"{matrix.rows:,} profiles"))
        factors, seconds = timed(
            lambda: explain.top_factors(model.booster, matrix, CHURN.goal_event_type)
        )
        contributions_per_row = seconds / matrix.rows
        rows.append(("factors (pred_contrib in batches + wording)", seconds,
                     f"{sum(len(f) for f in factors):,} factors"))  # fmt: skip
        rows.append(("baseline: contributions of default-shape trees", _baseline(trained),
                     f"extrapolated from {BASELINE_SAMPLE:,} rows"))  # fmt: skip
        total = sum(seconds for name, seconds, _ in rows if not name.startswith("baseline"))
        rows.append(("total (train + score with factors)", total, ""))
    table = Table(title=f"Customer AI on {args.profiles:,} demo profiles (as of {AS_OF:%Y-%m-%d})")
    for column in ("step", "seconds", "notes"):
        table.add_column(column)
    for name, seconds, notes in rows:
        table.add_row(name, f"{seconds:.2f}", notes)
    console.print(table)
    factor_seconds = contributions_per_row * matrix.rows
    baseline = rows[-2][1]
    console.print(f"factors vs default-shape contributions: {factor_seconds / baseline:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak RSS {peak:,.0f} MB")


def _baseline(trained: train.Trained) -> float:
    """Seconds for every profile's contributions with LightGBM's default tree shape."""
    params = {**train.PARAMS, "num_leaves": 31, "max_depth": -1}
    folds = trained.folds
    data = lgb.Dataset(trained.matrix.values[folds.train], trained.labels[folds.train])
    booster = lgb.train(params, data, num_boost_round=max(trained.meta["bestIteration"], 1))
    sample = trained.matrix.values[:BASELINE_SAMPLE]
    _, seconds = timed(lambda: explain.contributions(booster, sample))
    return seconds * trained.matrix.rows / max(len(sample), 1)


if __name__ == "__main__":
    main()
