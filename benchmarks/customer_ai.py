"""Customer AI at scale on demo data: feature building, training, scoring and factor extraction
for every profile, against a baseline measured in the same run: the per-profile contributions of
a LightGBM model with default tree shape (num_leaves=31, no depth cap) by its own TreeSHAP
(``pred_contrib``), on a sample and extrapolated, which the bounded trees and the TreeSHAP
tables avoid. Writing the scores onto profiles is timed too, outside the total.

Demo data is generated shard by shard into benchmarks/.data/ai-shard-N/ and ingested once
into benchmarks/.data/ai-ws-N/, which later runs reuse.

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

from segmint.ai import explain, features, instances, models, population, score, train, writeback
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
#: People per generated shard (the generator holds a shard's events in memory).
SHARD = 100_000
T = TypeVar("T")


def prepare_workspace(profiles: int, console: Console) -> Path:
    """Demo data for ``profiles`` people ingested into benchmarks/.data/ai-ws-N/, made once and
    reused. People are generated and ingested in shards of ``SHARD`` (seeds 7, 8, ...) so the
    generator's memory stays bounded; each shard's files are deleted once ingested."""
    folder = DATA / f"ai-ws-{profiles}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    files = DATA / f"ai-shard-{profiles}"
    with Workspace.open(folder, create=True) as workspace:
        create_sandbox(workspace, "prod")
        workspace.use("prod")
        for _, name, schema_class in DEMO_DATASETS:
            catalog.create_dataset(workspace.con, catalog.Dataset(name, schema_class))
        for shard, start in enumerate(range(0, profiles, SHARD)):
            size = min(SHARD, profiles - start)
            console.print(f"shard {shard}: generating {size:,} people into {files}")
            shutil.rmtree(files, ignore_errors=True)
            generate(files, profiles=size, seed=7 + shard)
            for file, name, _ in DEMO_DATASETS:
                started = time.perf_counter()
                ingest_file(workspace, files / file, name)
                console.print(f"  {file} ingested in {time.perf_counter() - started:.1f} s")
            shutil.rmtree(files)
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
    parser.add_argument("--prepare-only", action="store_true", help="Only make the data.")
    args = parser.parse_args()
    console = Console()
    folder = prepare_workspace(args.profiles, console)
    if args.prepare_only:
        return
    rows = _Steps(console)
    with Workspace.open(folder) as ws:
        ws.use("prod")
        con = ws.con
        for existing in instances.all_instances(con):
            if existing.name == CHURN.name:
                instances.delete(con, CHURN.name)
        instances.create(con, CHURN)
        trained, seconds = timed(lambda: train.train(con, ws.path, CHURN))
        meta = trained.meta
        rows.append((f"train ({len(meta['cutoffs'])} cutoffs: sample, features, labels, fit, "
                     "calibrate, store)", seconds,
                     f"{trained.matrix.rows:,} rows, {meta['bestIteration']} trees, "
                     f"AUC {meta['metrics']['auc']:.3f}"))  # fmt: skip
        model = models.load(con, CHURN.name)
        spec = FeatureSpec.from_json(model.meta["spec"])
        policy = catalog.merge_policy(con, None)
        goal = population.goal_sql(con, CHURN, AS_OF)

        def build() -> features.FeatureMatrix:
            return features.encode(spec, features.build(con, spec, policy, goal, AS_OF, None))

        matrix, seconds = timed(build)
        rows.append(("features at the scoring instant", seconds,
                     f"{matrix.rows:,} profiles x {len(matrix.features)} features"))  # fmt: skip
        calibration = Calibration.from_json(model.meta["calibration"])

        def scores_and_factors() -> tuple[np.ndarray, explain.TopFactors]:
            top = explain.top_factors(model.booster, matrix, CHURN.goal_event_type)
            return calibration.apply(score.sigmoid(top.raw)), top

        (probability, factors), seconds = timed(scores_and_factors)
        factor_seconds = seconds
        rows.append(("scores and factors (TreeSHAP tables in batches: raw scores as their sums, "
                     "calibrate, top 3, wording)", seconds,
                     f"{matrix.rows:,} profiles, {len(factors.impact):,} factors"))  # fmt: skip
        total = sum(seconds for _, seconds, _ in rows)
        rows.append(("total (train + score with factors)", total, ""))
        points = np.rint(probability * 100).astype(np.int64)
        scores = score.Scores(
            CHURN.name, model.version, AS_OF, matrix.profile_ids, probability, points,
            score.percentiles(probability), score.buckets(points), factors,
        )  # fmt: skip

        def write() -> None:
            with ws.transaction():
                writeback.write(con, scores)

        _, seconds = timed(write)
        rows.append(("write scores onto profiles (not in the total)", seconds, "one Arrow insert"))
        baseline = _baseline(trained, matrix.rows)
        rows.append(("baseline: LightGBM pred_contrib of default-shape trees", baseline,
                     f"extrapolated from {BASELINE_SAMPLE:,} rows"))  # fmt: skip
    table = Table(title=f"Customer AI on {args.profiles:,} demo profiles (as of {AS_OF:%Y-%m-%d})")
    for column in ("step", "seconds", "notes"):
        table.add_column(column)
    for name, seconds, notes in rows:
        table.add_row(name, f"{seconds:.2f}", notes)
    console.print(table)
    console.print(f"factors vs default-shape contributions: {factor_seconds / baseline:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak RSS {peak:,.0f} MB")


class _Steps(list[tuple[str, float, str]]):
    """The table's rows, each also printed as it is measured (long runs show progress)."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def append(self, row: tuple[str, float, str]) -> None:
        self.console.print(f"{row[0]}: {row[1]:.2f} s {row[2]}")
        super().append(row)


def _baseline(trained: train.Trained, profiles: int) -> float:
    """Seconds for ``profiles`` contributions by LightGBM's own TreeSHAP with its default tree
    shape (as many trees as the model)."""
    params = {**train.PARAMS, "num_leaves": 31, "max_depth": -1}
    folds = trained.folds
    data = lgb.Dataset(trained.matrix.values[folds.train], trained.labels[folds.train])
    booster = lgb.train(params, data, num_boost_round=max(trained.meta["bestIteration"], 1))
    sample = trained.matrix.values[:BASELINE_SAMPLE]
    _, seconds = timed(lambda: explain.contributions(booster, sample))
    return seconds * profiles / max(len(sample), 1)


if __name__ == "__main__":
    main()
