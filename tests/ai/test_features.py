"""Point-in-time features and window labels: nothing after a cutoff reaches a feature, and only
the window after it decides a label."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from segmint.ai import features, population
from segmint.ai.features import Feature, Kind
from segmint.ingest.pipeline import ingest_file
from segmint.store import catalog
from segmint.store.workspace import Workspace
from tests.ai.conftest import CHURN
from tests.conftest import write_jsonl

CUTOFF = datetime(2026, 5, 1)


def _features(ws: Workspace) -> features.FeatureMatrix:
    policy = catalog.merge_policy(ws.con, None)
    goal = population.goal_sql(ws.con, CHURN, CUTOFF)
    spec = features.plan_spec(ws.con, CUTOFF, CHURN.goal_event_type, ())
    relation = population.prepare(ws.con, CHURN, policy, CUTOFF)
    return features.build(ws.con, spec, policy, goal, CUTOFF, relation)


def _purchase(_id: str, person: str, when: datetime, total: float = 50.0) -> dict[str, object]:
    return {
        "_id": _id, "timestamp": when.isoformat() + "Z", "eventType": "commerce.purchases",
        "commerce": {"order": {"priceTotal": total}},
        "identityMap": {"crmId": [{"id": person, "primary": True}]},
    }  # fmt: skip


def test_events_after_the_cutoff_change_no_feature(shop: Workspace, tmp_path: Path) -> None:
    before = _features(shop)
    later = [
        _purchase(f"late{i}", f"C{i}", CUTOFF + timedelta(seconds=1 + i)) for i in range(300)
    ] + [_purchase("newcomer", "C9999", CUTOFF + timedelta(days=3))]
    ingest_file(shop, write_jsonl(tmp_path / "late.jsonl", later), "web")
    after = _features(shop)
    assert np.array_equal(before.profile_ids, after.profile_ids)
    np.testing.assert_array_equal(before.values, after.values)
    assert all(np.array_equal(before.raw[k], after.raw[k]) for k in before.raw)


def test_feature_values_match_the_events(shop: Workspace, tmp_path: Path) -> None:
    events = [
        _purchase("a1", "Z1", CUTOFF - timedelta(days=62), 20.0),
        _purchase("a2", "Z1", CUTOFF - timedelta(days=10), 30.0),
        _purchase("a3", "Z1", CUTOFF, 5.0),  # at the cutoff: counted
        _purchase("a4", "Z1", CUTOFF + timedelta(microseconds=1), 999.0),  # after: never
    ]
    ingest_file(shop, write_jsonl(tmp_path / "z.jsonl", events), "web")
    matrix = _features(shop)
    row = int(np.flatnonzero(matrix.profile_ids == _profile(shop, "Z1"))[0])
    value = {f: matrix.values[row, i] for i, f in enumerate(matrix.features)}
    assert value[Feature(Kind.RECENCY, features.GOAL)] == 0
    assert value[Feature(Kind.COUNT, features.GOAL, 30)] == 2
    assert value[Feature(Kind.COUNT, features.GOAL)] == 3
    assert value[Feature(Kind.SPEND, features.ANY_EVENT, 90)] == 55.0
    assert value[Feature(Kind.TENURE, features.ANY_EVENT)] == 62
    assert value[Feature(Kind.GAP, features.ANY_EVENT)] == 31
    assert value[Feature(Kind.TREND, features.ANY_EVENT, 30)] == 2


def test_labels_come_from_the_window_only(shop: Workspace, tmp_path: Path) -> None:
    window_end = CUTOFF + timedelta(days=30)
    events = [
        _purchase("b1", "Y1", CUTOFF),  # at the cutoff: a feature, not an outcome
        _purchase("b2", "Y2", CUTOFF + timedelta(seconds=1)),
        _purchase("b3", "Y3", window_end),  # the window's end is inside it
        _purchase("b4", "Y4", window_end + timedelta(seconds=1)),
    ]
    ingest_file(shop, write_jsonl(tmp_path / "y.jsonl", events), "web")
    policy = catalog.merge_policy(shop.con, None)
    goal = population.goal_sql(shop.con, CHURN, CUTOFF)
    reached = population.history(shop.con, policy, goal, [CUTOFF], 30).reached_at(0)
    ids = np.array([_profile(shop, f"Y{i}") for i in range(1, 5)])
    assert list(np.isin(ids, reached)) == [False, True, True, False]
    assert list(population.labels(CHURN, ids, reached)) == [1, 0, 0, 1]


def _profile(ws: Workspace, crm_id: str) -> int:
    row = ws.con.execute(
        "SELECT p.profile_id FROM identities x JOIN identity_profiles p USING (identity_key) "
        "WHERE x.namespace = 'crmId' AND x.id = ?",
        [crm_id],
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_several_cutoffs_in_one_pass_match_one_cutoff_at_a_time(shop: Workspace) -> None:
    policy = catalog.merge_policy(shop.con, None)
    goal = population.goal_sql(shop.con, CHURN, CUTOFF)
    spec = features.plan_spec(shop.con, CUTOFF, CHURN.goal_event_type, ())
    cutoffs = [CUTOFF, CUTOFF - timedelta(days=30), CUTOFF - timedelta(days=60)]
    history = population.history(shop.con, policy, goal, cutoffs, 30)
    chosen = [population.eligible(shop.con, CHURN, policy, c, history) for c in cutoffs]
    chosen[1] = chosen[1][::2]  # a sample: only its profiles get rows
    rows = pa.table({
        "cut": np.repeat(np.arange(3, dtype=np.int16), [len(ids) for ids in chosen]),
        "profile_id": np.concatenate(chosen),
    })  # fmt: skip
    together = features.build_at(shop.con, spec, policy, goal, cutoffs, rows)
    for cut, cutoff in enumerate(cutoffs):
        relation = population.prepare(shop.con, CHURN, policy, cutoff)
        ids = shop.con.execute(f"SELECT profile_id FROM {relation} ORDER BY 1").fetchnumpy()
        assert cut == 1 or np.array_equal(chosen[cut], ids["profile_id"])
        alone = features.build(shop.con, spec, policy, goal, cutoff, relation)
        keep = np.isin(alone.profile_ids, chosen[cut])
        assert np.array_equal(together[cut].profile_ids, alone.profile_ids[keep])
        np.testing.assert_array_equal(together[cut].values, alone.values[keep])
        assert all(np.array_equal(together[cut].raw[k], alone.raw[k][keep]) for k in alone.raw)
        reached = shop.con.execute(
            "SELECT DISTINCT p.profile_id FROM events e JOIN identity_profiles p "
            "USING (identity_key) WHERE e.eventType = 'commerce.purchases' "
            "AND e.timestamp > ? AND e.timestamp <= ? ORDER BY 1",
            [cutoff, cutoff + timedelta(days=30)],
        ).fetchnumpy()
        assert np.array_equal(history.reached_at(cut), reached["profile_id"])
