"""Exact TreeSHAP contributions of small trees, by table lookup.

A tree with k splits sends a profile down by k yes/no decisions, and its path-dependent Shapley
values (what LightGBM's ``pred_contrib`` computes, per profile and tree) depend on nothing else.
So each tree's values are computed once for all 2^k decision patterns, from the definition (the
cover-weighted expectation over every subset of the tree's features), and a profile costs k
comparisons and one lookup per tree: array work, instead of TreeSHAP's per-profile walk.
Trees too large for a table (``MAX_SPLITS``) make ``explainer`` return None."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import lightgbm as lgb
import numpy as np

MAX_SPLITS = 10
_ZERO = 1e-35  # LightGBM's kZeroThreshold


@dataclass(frozen=True)
class _Split:
    feature: int
    threshold: float
    categories: frozenset[int] | None  # a categorical split: these go left
    default_left: bool
    missing: str  # "None", "Zero" or "NaN"

    def left(self, values: np.ndarray, nan: np.ndarray) -> np.ndarray:
        """Which values go left, as LightGBM decides it (``nan``: which values are missing).
        Numeric splits take one comparison (NaN compares false), one more where a missing
        value goes left: NaN by its default side, or (missing type None) as a zero."""
        if self.categories is None and self.missing != "Zero":
            below = values <= self.threshold
            if self.default_left if self.missing == "NaN" else self.threshold >= 0:
                below |= nan
            return below
        if self.categories is not None:
            whole = np.trunc(np.where(nan, 0.0, values))
            goes = np.isin(whole, list(self.categories)) & (whole >= 0)
            return np.asarray(goes & ~(nan & (self.missing == "NaN")))
        filled = np.where(nan, 0.0, values)
        return np.where(np.abs(filled) <= _ZERO, self.default_left, filled <= self.threshold)


@dataclass(frozen=True)
class _Table:
    splits: list[_Split]
    features: np.ndarray  # the tree's distinct features, in table column order
    values: np.ndarray  # (features x 2^splits): contributions per decision pattern
    expected: float  # the tree's output with nothing known: its share of the bias


class Explainer:
    """Contributions of a booster's trees for many rows at once."""

    def __init__(self, tables: list[_Table], features: int) -> None:
        self.tables = tables
        self.features = features

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """(rows x features + 1): each feature's contribution in log-odds, the bias (expected
        output) in the last column, as ``pred_contrib`` lays them out."""
        columns = np.asfortranarray(values)  # a split reads one feature of every row
        missing = np.isnan(columns)
        found = np.zeros((self.features + 1, values.shape[0]))  # feature-major, as added
        found[-1] = sum(table.expected for table in self.tables)
        for table in self.tables:
            pattern = np.zeros(values.shape[0], dtype=np.intp)
            for bit, split in enumerate(table.splits):
                left = split.left(columns[:, split.feature], missing[:, split.feature])
                pattern |= left.astype(np.intp) << bit
            for row, feature in enumerate(table.features):
                found[feature] += table.values[row].take(pattern)
        return found.T


def explainer(booster: lgb.Booster) -> Explainer | None:
    """An explainer for the booster's trees (those ``predict`` uses), or None when a tree has
    more than ``MAX_SPLITS`` splits."""
    model = booster.dump_model()
    tables = []
    for tree in model["tree_info"]:
        splits: list[_Split] = []
        root = _parse(tree["tree_structure"], splits)
        if len(splits) > MAX_SPLITS:
            return None
        tables.append(_table(root, splits))
    return Explainer(tables, booster.num_feature())


@dataclass(frozen=True)
class _Node:
    split: int | None  # index into the tree's splits; None for a leaf
    value: float
    cover: float
    left: _Node | None = None
    right: _Node | None = None


def _parse(node: dict[str, Any], splits: list[_Split]) -> _Node:
    if "leaf_value" in node or "split_index" not in node:
        return _Node(None, float(node.get("leaf_value", 0.0)), float(node.get("leaf_count", 0)))
    categorical = node["decision_type"] == "=="
    threshold = node["threshold"]
    split = _Split(
        int(node["split_feature"]),
        math.nan if categorical else float(threshold),
        frozenset(int(c) for c in str(threshold).split("||")) if categorical else None,
        bool(node["default_left"]),
        str(node["missing_type"]),
    )
    index = len(splits)
    splits.append(split)
    left = _parse(node["left_child"], splits)
    right = _parse(node["right_child"], splits)
    return _Node(index, 0.0, float(node["internal_count"]), left, right)


def _table(root: _Node, splits: list[_Split]) -> _Table:
    """Shapley values of every feature of the tree, for every decision pattern."""
    features = sorted({split.feature for split in splits})
    patterns = np.arange(2 ** len(splits), dtype=np.int64)
    width = len(features)
    expected: dict[frozenset[int], np.ndarray] = {}
    for size in range(width + 1):
        for subset in combinations(features, size):
            expected[frozenset(subset)] = _expected(root, splits, frozenset(subset), patterns)
    values = np.zeros((len(patterns), width))
    for column, feature in enumerate(features):
        others = [f for f in features if f != feature]
        for size in range(width):
            weight = math.factorial(size) * math.factorial(width - size - 1) / math.factorial(width)
            for subset in combinations(others, size):
                known = frozenset(subset)
                values[:, column] += weight * (expected[known | {feature}] - expected[known])
    bias = float(expected[frozenset()][0])
    return _Table(splits, np.asarray(features, dtype=np.intp), values.T.copy(), bias)


def _expected(
    node: _Node, splits: list[_Split], known: frozenset[int], patterns: np.ndarray
) -> np.ndarray:
    """The tree's expected output per pattern when only the ``known`` features are known:
    known splits follow the pattern, others average their children by cover."""
    if node.split is None:
        return np.full(len(patterns), node.value)
    assert node.left is not None and node.right is not None, "a split has two children"
    left = _expected(node.left, splits, known, patterns)
    right = _expected(node.right, splits, known, patterns)
    if splits[node.split].feature in known:
        return np.where((patterns >> node.split) & 1, left, right)
    share = node.left.cover / node.cover if node.cover > 0 else 0.5
    averaged: np.ndarray = left * share + right * (1 - share)
    return averaged
