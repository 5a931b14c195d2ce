"""Scoring: every eligible profile's features at an instant, through the latest model version,
to a calibrated probability, a 0-100 score (the probability in percent, so it means the same
across runs and populations), a percentile (rank among those scored), a bucket and factors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from segmint.ai import explain, features, models, population
from segmint.ai.calibration import Calibration
from segmint.ai.explain import Factor, TopFactors
from segmint.ai.features import FeatureSpec
from segmint.ai.instances import Instance
from segmint.ai.requirements import InsufficientDataError
from segmint.ai.train import data_bounds
from segmint.engines.duckdb import Connection
from segmint.store import catalog

HIGH_FROM, MEDIUM_FROM = 75, 25

#: Reports progress: (stage, steps done, steps in all).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Scores:
    instance: str
    model_version: int
    as_of: datetime
    profile_ids: np.ndarray
    probability: np.ndarray
    score: np.ndarray  # 0..100
    percentile: np.ndarray  # 1..100
    bucket: np.ndarray  # "low", "medium", "high"
    top: TopFactors  # column-wise, as written onto profiles

    @property
    def rows(self) -> int:
        return int(self.profile_ids.shape[0])

    @cached_property
    def factors(self) -> list[list[Factor]]:
        """Each profile's factors as objects, strongest first."""
        return self.top.lists


def score(
    con: Connection,
    instance: Instance,
    as_of: datetime | None = None,
    progress: Progress | None = None,
) -> Scores:
    """Score the profiles eligible at ``as_of`` (default: the last event's time)."""
    report = progress or (lambda stage, done, total: None)
    model = models.load(con, instance.name)
    spec = FeatureSpec.from_json(model.meta["spec"])
    instant = as_of or data_bounds(con)[1]
    if instant is None:
        raise InsufficientDataError("there are no events to score", hint="ingest event data first")
    policy = catalog.merge_policy(con, None)
    report("features", 0, 2)
    goal = population.goal_sql(con, instance, instant)
    relation = population.prepare(con, instance, policy, instant) if instance.eligibility else None
    matrix = features.encode(spec, features.build(con, spec, policy, goal, instant, relation))
    if matrix.rows == 0:
        raise InsufficientDataError(
            f"no profile is eligible for {instance.name} at {instant:%Y-%m-%d %H:%M}",
            hint="profiles need events before that instant (and to match the eligibility)",
        )
    report("scores and factors", 1, 2)
    top = explain.top_factors(model.booster, matrix, instance.goal_event_type)
    probability = Calibration.from_json(model.meta["calibration"]).apply(sigmoid(top.raw))
    report("done", 2, 2)
    points = np.rint(probability * 100).astype(np.int64)
    return Scores(
        instance.name, model.version, instant, matrix.profile_ids, probability, points,
        percentiles(probability), buckets(points), top,
    )  # fmt: skip


def sigmoid(raw: np.ndarray) -> np.ndarray:
    """Probabilities from raw scores (log-odds), as the binary booster's ``predict`` gives."""
    probability: np.ndarray = 1.0 / (1.0 + np.exp(-raw))
    return probability


def percentiles(probability: np.ndarray) -> np.ndarray:
    """1..100: the share of scored profiles at or below each one (ties share a percentile)."""
    ordered = np.sort(probability)
    at_or_below = np.searchsorted(ordered, probability, side="right")
    return np.maximum(1, np.ceil(100 * at_or_below / len(probability))).astype(np.int64)


def buckets(points: np.ndarray) -> np.ndarray:
    """low < 25 <= medium < 75 <= high."""
    return np.where(points >= HIGH_FROM, "high", np.where(points >= MEDIUM_FROM, "medium", "low"))
