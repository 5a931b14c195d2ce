"""Training, scores, factors and write-back on the synthetic shop."""

from __future__ import annotations

from datetime import timedelta

import lightgbm as lgb
import numpy as np
import pytest

from segmint import segments
from segmint.ai import explain, models, score, train, treeshap
from segmint.ai.features import Kind
from segmint.ai.train import split
from segmint.store import catalog, profiles
from segmint.store.catalog import AttributeMerge, MergePolicy, Stitching
from segmint.store.definitions import SegmentSpec
from tests.ai.conftest import END, Scored


def test_training_is_time_split_and_stored(scored: Scored) -> None:
    meta = scored.trained.meta
    assert len(meta["cutoffs"]) == train.MAX_CUTOFFS and meta["bestIteration"] >= 1
    folds = scored.trained.folds
    assert (
        not (folds.train & folds.calibrate).any() and not (folds.calibrate & folds.evaluate).any()
    )
    assert meta["metrics"]["auc"] > 0.75
    loaded = models.load(scored.ws.con, "churn")
    assert loaded.version == scored.trained.version == 1
    np.testing.assert_allclose(
        loaded.booster.predict(scored.trained.matrix.values[:50]),
        np.asarray(
            models.load(scored.ws.con, "churn", 1).booster.predict(
                scored.trained.matrix.values[:50]
            )
        ),
    )


def test_split_holds_out_the_latest_cutoff() -> None:
    ids = np.arange(1000, dtype=np.int64)
    folds = split(np.concatenate([ids, ids]), np.repeat(np.array([0, 1], dtype=np.int16), 1000))
    assert folds.train[1000:].all() and not folds.train[:1000].any()
    assert 400 < folds.calibrate.sum() < 600 and (folds.calibrate | folds.evaluate)[:1000].all()
    single = split(ids, np.zeros(1000, dtype=np.int16))
    assert 500 < single.train.sum() < 700 and 100 < single.evaluate.sum() < 300


def test_scores_percentiles_and_buckets(scored: Scored) -> None:
    s = scored.scores
    assert s.rows > 500 and s.probability.shape == s.score.shape == s.percentile.shape
    assert ((s.probability > 0) & (s.probability < 1)).all()
    assert s.score.min() >= 0 and s.score.max() <= 100
    assert s.percentile.min() >= 1 and s.percentile.max() == 100
    order = np.argsort(s.probability)
    assert (np.diff(s.percentile[order]) >= 0).all()
    expected = np.where(s.score >= 75, "high", np.where(s.score >= 25, "medium", "low"))
    assert (s.bucket == expected).all()


def test_percentiles_and_buckets_on_known_values() -> None:
    assert list(score.percentiles(np.array([0.1, 0.2, 0.2, 0.9]))) == [25, 75, 75, 100]
    assert list(score.buckets(np.array([0, 24, 25, 74, 75, 100]))) == [
        "low", "low", "medium", "medium", "high", "high",
    ]  # fmt: skip


def test_contributions_add_up_to_the_raw_score(scored: Scored) -> None:
    booster = models.load(scored.ws.con, "churn").booster
    values = scored.trained.matrix.values[:400]
    contributions = explain.contributions(booster, values, batch=64)
    raw = np.asarray(booster.predict(values, raw_score=True))
    np.testing.assert_allclose(contributions.sum(axis=1), raw, atol=1e-9)


def test_table_contributions_equal_lightgbm_treeshap(scored: Scored) -> None:
    booster = models.load(scored.ws.con, "churn").booster
    values = scored.trained.matrix.values
    assert np.isnan(values).any(), "missing values take each split's default direction"
    exact = treeshap.explainer(booster)
    assert exact is not None
    expected = np.asarray(booster.predict(values, pred_contrib=True))
    np.testing.assert_allclose(exact.contributions(values), expected, atol=1e-9)


def test_large_trees_fall_back_to_lightgbm(scored: Scored) -> None:
    matrix, labels = scored.trained.matrix, scored.trained.labels
    params = {**train.PARAMS, "num_leaves": 63, "max_depth": -1, "min_data_in_leaf": 2}
    booster = lgb.train(params, lgb.Dataset(matrix.values, labels), num_boost_round=3)
    assert treeshap.explainer(booster) is None
    np.testing.assert_allclose(
        explain.contributions(booster, matrix.values[:100], batch=30),
        booster.predict(matrix.values[:100], pred_contrib=True),
    )


def test_strongest_orders_by_size_then_column() -> None:
    impact = np.array([[0.1, -0.5, 0.5, 0.0], [0.0, 0.0, 0.2, 0.0]])
    assert explain.strongest(impact, 3).tolist() == [[1, 2, 0], [2, 0, 1]]


def test_factors_are_the_strongest_contributions_in_words(scored: Scored) -> None:
    s = scored.scores
    assert all(1 <= len(row) <= explain.TOP_FACTORS for row in s.factors)
    names = {f.name for f in scored.trained.matrix.features}
    for row in s.factors[:50]:
        sizes = [abs(f.impact) for f in row]
        assert sizes == sorted(sizes, reverse=True)
        for factor in row:
            assert factor.code in names and factor.description
            assert factor.importance in ("low", "medium", "high")


def test_category_factors_name_the_value(scored: Scored) -> None:
    kinds = [(f.code, f.description) for row in scored.scores.factors for f in row]
    country = [d for c, d in kinds if c == f"{Kind.CATEGORY}:homeAddress.countryCode"]
    assert all(d.startswith("country is ") or d == "country not set" for d in country)


def test_scores_reach_profiles_and_segments(scored: Scored) -> None:
    con = scored.ws.con
    view = profiles.profile_view(con, "crmId:C1", None)
    attributes = view["attributes"]["customerAI"]["churn"]
    row = int(np.flatnonzero(scored.scores.profile_ids == view["profileId"])[0])
    assert attributes["score"] == scored.scores.score[row]
    assert attributes["bucket"] == scored.scores.bucket[row]
    assert attributes["modelVersion"] == 1 and attributes["scoredAt"] == END
    assert attributes["factors"][0]["description"] == scored.scores.factors[row][0].description
    with scored.ws.transaction():
        segments.create(con, SegmentSpec("at risk", "customerAI.churn.score >= 75"))
        segments.create(
            con, SegmentSpec("lapsing", 'customerAI.churn.factors.code.contains("recency:goal")')
        )
        report = segments.evaluate(con, ["at risk", "lapsing"], END + timedelta(hours=1))
    qualified = {m.name: m.qualified for m in report.segments}
    assert qualified["at risk"] == int((scored.scores.score >= 75).sum())
    lapsing = sum(any(f.code == "recency:goal" for f in row) for row in scored.scores.factors)
    assert qualified["lapsing"] == lapsing


def test_reserved_dataset_is_merged_under_dataset_precedence(scored: Scored) -> None:
    con = scored.ws.con
    with scored.ws.transaction():
        catalog.create_merge_policy(
            con, MergePolicy("crm only", AttributeMerge.DATASET, ("crm",), Stitching.GRAPH)
        )
    view = profiles.profile_view(con, "crmId:C1", "crm only")
    assert "score" in view["attributes"]["customerAI"]["churn"]


def test_history_keeps_every_run(scored: Scored) -> None:
    count = scored.ws.con.execute("SELECT count(*) FROM ai_scores").fetchone()
    assert count is not None and count[0] == scored.scores.rows


@pytest.mark.parametrize(
    ("setting", "missing_type"),
    [({"use_missing": False}, "None"), ({"zero_as_missing": True}, "Zero"), ({}, "NaN")],
)
def test_missing_values_go_where_lightgbm_sends_them(
    setting: dict[str, bool], missing_type: str
) -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(3000, 3))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[rng.random(values.shape) < 0.1] = 0.0
    signal = np.nan_to_num(values[:, 0], nan=0.7) - np.nan_to_num(values[:, 1], nan=-0.4)
    labels = (signal + rng.normal(scale=0.5, size=len(values)) > 0).astype(np.int8)
    booster = lgb.train({**train.PARAMS, **setting}, lgb.Dataset(values, labels), 20)
    trees = booster.dump_model()["tree_info"]
    assert missing_type in str(trees)
    exact = treeshap.explainer(booster)
    assert exact is not None
    expected = np.asarray(booster.predict(values, pred_contrib=True))
    np.testing.assert_allclose(exact.contributions(values), expected, atol=1e-9)


def test_raw_scores_come_with_the_factors(scored: Scored) -> None:
    booster = models.load(scored.ws.con, "churn").booster
    values = scored.trained.matrix.values
    top = explain.top_factors(booster, scored.trained.matrix, "commerce.purchases", batch=100)
    np.testing.assert_allclose(top.raw, booster.predict(values, raw_score=True), atol=1e-9)
    np.testing.assert_allclose(score.sigmoid(top.raw), booster.predict(values), atol=1e-9)
