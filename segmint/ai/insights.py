"""Insights of an instance: the latest model's evaluation (AUC, log loss, lift and gains by
decile, calibration, feature importance) and the latest scoring run's score distribution and
bucket sizes, as one dictionary for the CLI table, JSON output and the HTML report."""

from __future__ import annotations

from typing import Any

from segmint.ai import models
from segmint.ai.instances import Instance
from segmint.engines.duckdb import Connection

SCORE_BINS = 10


def insights(con: Connection, instance: Instance) -> dict[str, Any]:
    model = models.load(con, instance.name)
    meta = model.meta
    return {
        "instance": instance.name,
        "type": instance.type.value,
        "goal": instance.goal,
        "windowDays": instance.window_days,
        "modelVersion": model.version,
        "asOf": meta["asOf"],
        "cutoffs": meta["cutoffs"],
        "folds": meta["folds"],
        "metrics": meta["metrics"],
        "deciles": meta["deciles"],
        "calibration": meta["calibrationCurve"],
        "importance": meta["importance"],
        "scoring": _latest_run(con, instance.name),
    }


def _latest_run(con: Connection, instance: str) -> dict[str, Any] | None:
    """Score histogram and bucket sizes of the newest scoring run, None before any."""
    latest = con.execute(
        "SELECT model_version, scored_at, count(*) FROM ai_scores WHERE instance = ? "
        "GROUP BY 1, 2 ORDER BY 2 DESC, 1 DESC LIMIT 1",
        [instance],
    ).fetchone()
    if latest is None:
        return None
    version, scored_at, profiles = latest
    run = [instance, version, scored_at]
    condition = "instance = ? AND model_version = ? AND scored_at = ?"
    histogram = dict(
        con.execute(
            f"SELECT least(score // 10, {SCORE_BINS - 1}) AS bin, count(*) FROM ai_scores "
            f"WHERE {condition} GROUP BY 1",
            run,
        ).fetchall()
    )
    sizes = dict(
        con.execute(
            f"SELECT bucket, count(*) FROM ai_scores WHERE {condition} GROUP BY 1", run
        ).fetchall()
    )
    return {
        "modelVersion": int(version),
        "scoredAt": scored_at.isoformat(),
        "profiles": int(profiles),
        "distribution": [
            {
                "from": 10 * b,
                "to": 10 * b + 9 + (b == SCORE_BINS - 1),
                "profiles": int(histogram.get(b, 0)),
            }
            for b in range(SCORE_BINS)
        ],
        "buckets": {name: int(sizes.get(name, 0)) for name in ("low", "medium", "high")},
    }
