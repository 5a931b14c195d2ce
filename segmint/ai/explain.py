"""Influential factors per profile: exact per-feature contributions (TreeSHAP, by table lookup
for the model's small trees, LightGBM's ``pred_contrib`` otherwise), computed in batches to
bound memory, the strongest few worded for a marketer. Contributions are in log-odds; with the
bias they add up to the raw score.

Factors are kept column-wise (flat arrays with per-profile offsets, as Arrow lists are), so a
million profiles cost array operations, and each distinct feature value is worded once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import lightgbm as lgb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.ai import treeshap
from segmint.ai.features import FeatureMatrix, Kind
from segmint.ai.wording import describe, shown

BATCH_ROWS = 100_000
TOP_FACTORS = 3
#: Contribution sizes (log-odds) from which a factor counts as high or medium importance.
HIGH, MEDIUM = 0.5, 0.2
_IMPORTANCE = pa.array(["low", "medium", "high"], pa.string())


@dataclass(frozen=True)
class Factor:
    code: str  # the feature, e.g. "recency:goal"
    description: str  # e.g. "no purchase in the last 62 days"
    impact: float  # log-odds contribution: > 0 raises the propensity
    importance: str  # high, medium or low


@dataclass(frozen=True)
class TopFactors:
    """Every profile's factors, strongest first: profile ``r`` owns the flat entries
    ``offsets[r]:offsets[r + 1]`` (a zero contribution is no factor). The raw scores come
    along: the contributions add up to them, so scoring needs no second pass over the trees."""

    offsets: np.ndarray  # int32, one more than profiles
    code: pa.Array  # string
    description: pa.Array  # string
    impact: np.ndarray  # float64
    importance: pa.Array  # string
    raw: np.ndarray  # float64, per profile: the model's raw score (log-odds)

    @property
    def rows(self) -> int:
        return int(self.offsets.shape[0]) - 1

    @cached_property
    def lists(self) -> list[list[Factor]]:
        """As Python objects, one list per profile: for small results and display."""
        codes, descriptions = self.code.to_pylist(), self.description.to_pylist()
        importance, impact = self.importance.to_pylist(), self.impact.tolist()
        return [
            [
                Factor(codes[i], descriptions[i], impact[i], importance[i])
                for i in range(int(start), int(end))
            ]
            for start, end in zip(self.offsets[:-1], self.offsets[1:], strict=True)
        ]

    def to_arrow(self, struct: pa.StructType) -> pa.ListArray:
        """A list of (code, description, impact, importance) structs per profile."""
        items = pa.StructArray.from_arrays(
            [self.code, self.description, pa.array(self.impact, pa.float64()), self.importance],
            fields=list(struct),
        )
        return pa.ListArray.from_arrays(pa.array(self.offsets, pa.int32()), items)


def contributions(booster: lgb.Booster, values: np.ndarray, batch: int = BATCH_ROWS) -> np.ndarray:
    """(rows x features + 1): each feature's contribution, the bias in the last column."""
    compute = _contributor(booster)
    parts = [compute(values[start : start + batch]) for start in range(0, values.shape[0], batch)]
    return np.vstack(parts) if parts else np.zeros((0, values.shape[1] + 1))


def _contributor(booster: lgb.Booster) -> Callable[[np.ndarray], np.ndarray]:
    exact = treeshap.explainer(booster)
    if exact is not None:
        return exact.contributions
    return lambda values: np.asarray(booster.predict(values, pred_contrib=True))


def top_factors(
    booster: lgb.Booster,
    matrix: FeatureMatrix,
    goal_type: str | None,
    count: int = TOP_FACTORS,
    batch: int = BATCH_ROWS,
) -> TopFactors:
    """The ``count`` features with the largest absolute contribution, per profile, and the
    raw scores; only the chosen contributions of a batch are kept."""
    columns, impacts, raw = [], [], []
    compute = _contributor(booster)
    for start in range(0, matrix.rows, batch):
        found = compute(matrix.values[start : start + batch])
        raw.append(found.sum(axis=1))
        impact = found[:, :-1]
        picks = strongest(impact, count)
        columns.append(picks)
        impacts.append(np.take_along_axis(impact, picks, axis=1))
    width = min(count, len(matrix.features))
    picked = np.vstack(columns) if columns else np.zeros((0, width), np.intp)
    sizes = np.vstack(impacts) if impacts else np.zeros((0, width))
    kept = sizes != 0.0
    offsets = np.zeros(matrix.rows + 1, np.int32)
    np.cumsum(kept.sum(axis=1), out=offsets[1:])
    rows = np.broadcast_to(np.arange(matrix.rows)[:, None], kept.shape)[kept]
    column, impact = picked[kept], sizes[kept]
    names = pa.array([f.name for f in matrix.features], pa.string())
    grade = (np.abs(impact) >= MEDIUM).astype(np.int8) + (np.abs(impact) >= HIGH)
    return TopFactors(
        offsets,
        pc.take(names, pa.array(column, pa.int32())),
        _descriptions(matrix, rows, column, goal_type),
        impact,
        pc.take(_IMPORTANCE, pa.array(grade, pa.int8())),
        np.concatenate(raw) if raw else np.zeros(0),
    )


def strongest(impact: np.ndarray, count: int) -> np.ndarray:
    """Per row, the columns of the ``count`` largest absolute values, largest first (ties:
    the lower column first)."""
    size = np.abs(impact)
    width = min(count, impact.shape[1])
    if width < impact.shape[1]:
        candidates = np.argpartition(-size, width - 1, axis=1)[:, :width]
    else:
        candidates = np.broadcast_to(np.arange(width), (impact.shape[0], width))
    chosen = np.take_along_axis(size, candidates, axis=1)
    order = np.lexsort((candidates, -chosen), axis=1)
    return np.take_along_axis(candidates, order, axis=1)


def _descriptions(
    matrix: FeatureMatrix, rows: np.ndarray, columns: np.ndarray, goal_type: str | None
) -> pa.Array:
    """Each factor in words; a feature's distinct values are worded once and shared."""
    texts: list[str] = []
    index = np.zeros(len(rows), np.int64)
    for column in np.unique(columns):
        chosen = columns == column
        feature = matrix.features[int(column)]
        if feature.kind is Kind.CATEGORY:
            raw = pa.array(matrix.raw[feature.subject][rows[chosen]], pa.string())
            encoded = pc.dictionary_encode(raw, null_encoding="encode")
            words = [describe(feature, np.nan, value, goal_type)
                     for value in encoded.dictionary.to_pylist()]  # fmt: skip
            inverse = encoded.indices.to_numpy(zero_copy_only=False)
        else:
            values = shown(feature, matrix.values[rows[chosen], column])
            distinct, inverse = np.unique(values, return_inverse=True)
            words = [describe(feature, float(value), None, goal_type) for value in distinct]
        index[chosen] = len(texts) + inverse.reshape(-1)
        texts.extend(words)
    return pc.take(pa.array(texts, pa.string()), pa.array(index, pa.int64()))
