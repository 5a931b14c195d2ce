"""Influential factors per profile: LightGBM's exact per-feature contributions (TreeSHAP,
``pred_contrib``), computed in batches to bound memory, the strongest few worded for a
marketer. Contributions are in log-odds; with the bias they add up to the raw score."""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from segmint.ai.features import FeatureMatrix, Kind
from segmint.ai.wording import describe

BATCH_ROWS = 100_000
TOP_FACTORS = 3
#: Contribution sizes (log-odds) from which a factor counts as high or medium importance.
HIGH, MEDIUM = 0.5, 0.2


@dataclass(frozen=True)
class Factor:
    code: str  # the feature, e.g. "recency:goal"
    description: str  # e.g. "no purchase in the last 62 days"
    impact: float  # log-odds contribution: > 0 raises the propensity
    importance: str  # high, medium or low


def contributions(booster: lgb.Booster, values: np.ndarray, batch: int = BATCH_ROWS) -> np.ndarray:
    """(rows x features + 1): each feature's contribution, the bias in the last column."""
    parts = [
        np.asarray(booster.predict(values[start : start + batch], pred_contrib=True))
        for start in range(0, values.shape[0], batch)
    ]
    return np.vstack(parts) if parts else np.zeros((0, values.shape[1] + 1))


def top_factors(
    booster: lgb.Booster,
    matrix: FeatureMatrix,
    goal_type: str | None,
    count: int = TOP_FACTORS,
    batch: int = BATCH_ROWS,
) -> list[list[Factor]]:
    """The ``count`` features with the largest absolute contribution, per profile."""
    found: list[list[Factor]] = []
    for start in range(0, matrix.rows, batch):
        values = matrix.values[start : start + batch]
        impact = contributions(booster, values, batch)[:, :-1]
        strongest = np.argsort(-np.abs(impact), axis=1, kind="stable")[:, :count]
        for offset, picks in enumerate(strongest):
            row = start + offset
            factors = []
            for column in picks:
                size = float(impact[offset, column])
                if size == 0.0:
                    continue
                feature = matrix.features[column]
                text = (
                    _text(matrix, feature.subject, row) if feature.kind is Kind.CATEGORY else None
                )
                factors.append(
                    Factor(
                        feature.name,
                        describe(feature, float(values[offset, column]), text, goal_type),
                        size,
                        _importance(size),
                    )
                )
            found.append(factors)
    return found


def _text(matrix: FeatureMatrix, subject: str, row: int) -> str | None:
    value = matrix.raw[subject][row]
    return None if value is None else str(value)


def _importance(size: float) -> str:
    magnitude = abs(size)
    return "high" if magnitude >= HIGH else "medium" if magnitude >= MEDIUM else "low"
