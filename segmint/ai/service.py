"""Customer AI operations as the CLI and the REST API both run them: each one opens the
transaction its changes need, and model files go only once the rows naming them are gone."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from segmint.ai import insights as ai_insights
from segmint.ai import instances, models, train, writeback
from segmint.ai import score as scoring
from segmint.ai.instances import Instance
from segmint.ai.score import Progress, Scores
from segmint.engines.duckdb import Connection
from segmint.store.workspace import Workspace

BUCKETS = ("low", "medium", "high")


def summary(con: Connection, instance: Instance) -> dict[str, Any]:
    """An instance's settings and its latest model version (None before any training)."""
    latest = max((v[0] for v in models.versions(con, instance.name)), default=None)
    return {
        "name": instance.name, "type": instance.type.value, "goal": instance.goal,
        "windowDays": instance.window_days, "eligibility": instance.eligibility,
        "features": list(instance.features), "modelVersion": latest,
    }  # fmt: skip


def summaries(con: Connection) -> list[dict[str, Any]]:
    return [summary(con, instance) for instance in instances.all_instances(con)]


def describe(con: Connection, name: str) -> dict[str, Any]:
    """An instance with every model version and its evaluation metrics."""
    history = models.versions(con, name)
    return {
        **summary(con, instances.find(con, name)),
        "models": [
            {"version": v, "asOf": a, "trainedAt": t, "metrics": json.loads(m)}
            for v, a, t, m in history
        ],
    }


def delete(workspace: Workspace, name: str) -> None:
    """An instance, its models, score history and scores on profiles, then its model files."""
    with workspace.transaction():
        instances.delete(workspace.con, name)
    models.remove_files(workspace.con, workspace.path, name)


def train_model(
    workspace: Workspace, name: str, as_of: datetime | None, progress: Progress | None = None
) -> train.Trained:
    """A new model version of an instance (``as_of`` naive UTC; None: the last event)."""
    instance = instances.find(workspace.con, name)
    with workspace.transaction():
        return train.train(workspace.con, workspace.path, instance, as_of, progress=progress)


def score_profiles(
    workspace: Workspace, name: str, as_of: datetime | None, progress: Progress | None = None
) -> Scores:
    """Score the eligible profiles with the latest model and write the scores onto them."""
    instance = instances.find(workspace.con, name)
    with workspace.transaction():
        scores = scoring.score(workspace.con, instance, as_of, progress)
        writeback.write(workspace.con, scores)
    return scores


def bucket_sizes(scores: Scores) -> dict[str, int]:
    return {bucket: int((scores.bucket == bucket).sum()) for bucket in BUCKETS}


def insights(con: Connection, name: str) -> dict[str, Any]:
    return ai_insights.insights(con, instances.find(con, name))
