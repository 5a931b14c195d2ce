"""Trained model versions: a folder per version in the workspace (the LightGBM text model and a
JSON metadata file), written under a temporary name and renamed into place, so a reader sees a
whole version or none; the ``ai_models`` table records each one."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb

from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError
from segmint.store.catalog import now

MODEL_FILE = "model.txt"
META_FILE = "meta.json"


@dataclass(frozen=True)
class ModelVersion:
    instance: str
    version: int
    booster: lgb.Booster
    meta: dict[str, Any]


def instance_dir(con: Connection, workspace: Path, instance: str) -> Path:
    """``<workspace>/ai/<sandbox>/<instance>``: sandboxes share no model files."""
    row = con.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return workspace / "ai" / str(row[0]) / instance


def save(
    con: Connection, workspace: Path, instance: str, as_of: datetime,
    booster: lgb.Booster, meta: dict[str, Any],
) -> int:  # fmt: skip
    """Store a new version atomically and record it; returns its number."""
    row = con.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM ai_models WHERE instance = ?", [instance]
    ).fetchone()
    assert row is not None
    version = int(row[0])
    folder = instance_dir(con, workspace, instance)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"v{version}"
    staging = folder / f".v{version}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(final, ignore_errors=True)  # a leftover of a version never recorded
    staging.mkdir()
    booster.save_model(str(staging / MODEL_FILE))
    meta = {**meta, "version": version}
    (staging / META_FILE).write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    os.replace(staging, final)
    con.execute(
        "INSERT INTO ai_models VALUES (?, ?, ?, ?, ?, ?)",
        [instance, version, as_of, str(final), json.dumps(meta["metrics"]), now()],
    )
    return version


def versions(con: Connection, instance: str) -> list[tuple[int, datetime, datetime, str]]:
    """(version, as_of, trained_at, metrics JSON) of every version, oldest first."""
    rows = con.execute(
        "SELECT version, as_of, trained_at, metrics FROM ai_models WHERE instance = ? "
        "ORDER BY version",
        [instance],
    ).fetchall()
    return [(int(v), a, t, str(m)) for v, a, t, m in rows]


def load(con: Connection, instance: str, version: int | None = None) -> ModelVersion:
    """A version (the latest when None) with its booster and metadata."""
    row = con.execute(
        "SELECT version, path FROM ai_models WHERE instance = ? "
        "AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
        [instance, version, version],
    ).fetchone()
    if row is None:
        raise NotFoundError(
            f'Customer AI instance "{instance}" has no trained model'
            + (f" version {version}" if version is not None else ""),
            hint=f"train it with `segmint ai train {instance}`",
        )
    folder = Path(str(row[1]))
    if not (folder / MODEL_FILE).exists():
        raise NotFoundError(
            f"the files of model version {row[0]} of {instance} are missing from {folder}",
            hint=f"retrain it with `segmint ai train {instance}`",
        )
    meta: dict[str, Any] = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    booster = lgb.Booster(model_file=str(folder / MODEL_FILE))
    return ModelVersion(instance, int(row[0]), booster, meta)


def remove_files(con: Connection, workspace: Path, instance: str) -> None:
    shutil.rmtree(instance_dir(con, workspace, instance), ignore_errors=True)
