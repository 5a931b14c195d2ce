"""Sampling of training rows: large populations are cut to a budget per cutoff, each outcome
keeping its share, the same way on every run."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.ai import train
from segmint.store.workspace import Workspace
from tests.ai.conftest import CHURN, LIMITS


def test_stratified_keeps_each_label_share() -> None:
    labels = np.r_[np.ones(900, dtype=np.int8), np.zeros(9100, dtype=np.int8)]
    keep = train.stratified(labels, 1000, seed=3)
    assert keep.sum() == 1000 and labels[keep].sum() == 90
    assert np.array_equal(keep, train.stratified(labels, 1000, seed=3))


def test_large_cutoffs_are_sampled(shop: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = train.train(shop.con, shop.path, CHURN, limits=LIMITS)
    monkeypatch.setattr(train, "TRAINING_ROWS", 300)
    monkeypatch.setattr(train, "HOLDOUT_ROWS", 150)
    sampled = train.train(shop.con, shop.path, CHURN, limits=LIMITS)
    rows = {name: fold["rows"] for name, fold in sampled.meta["folds"].items()}
    assert rows["train"] == 300 and rows["calibrate"] + rows["evaluate"] == 150
    assert sampled.matrix.rows < whole.matrix.rows
    latest = whole.folds.calibrate | whole.folds.evaluate
    held_out = sampled.folds.calibrate | sampled.folds.evaluate
    assert set(sampled.matrix.profile_ids[held_out]) <= set(whole.matrix.profile_ids[latest])
    share = whole.labels[whole.folds.train].mean()
    assert abs(sampled.labels[sampled.folds.train].mean() - share) < 0.02
