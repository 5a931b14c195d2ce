"""How good a model is, on rows it never trained or calibrated on: ranking (AUC, lift and
cumulative gains by decile), probability quality (log loss, calibration curve, expected
calibration error). Plain numbers, so the CLI, the HTML report and benchmarks share them."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

DECILES = 10
CALIBRATION_BINS = 10


def evaluate(labels: np.ndarray, probability: np.ndarray) -> dict[str, Any]:
    """Every metric of a scored fold (labels 0/1, calibrated probabilities)."""
    curve = calibration_curve(labels, probability)
    deciles = lift_table(labels, probability)
    return {
        "rows": len(labels),
        "positives": int(labels.sum()),
        "baseRate": float(labels.mean()),
        "auc": float(roc_auc_score(labels, probability)),
        "logLoss": float(log_loss(labels, probability, labels=[0, 1])),
        "ece": expected_calibration_error(curve),
        "topDecileLift": deciles[0]["lift"],
        "deciles": deciles,
        "calibration": curve,
    }


def lift_table(labels: np.ndarray, probability: np.ndarray) -> list[dict[str, float]]:
    """Rows ranked by probability in ten equal groups, highest first: each group's rate, its
    lift over the base rate, and the share of all positives found up to it."""
    order = np.argsort(-probability, kind="stable")
    ranked = labels[order]
    total = max(int(labels.sum()), 1)
    base = max(float(labels.mean()), 1e-12)
    found = 0
    table = []
    for index, part in enumerate(np.array_split(ranked, DECILES)):
        hits = int(part.sum())
        found += hits
        rate = hits / len(part) if len(part) else 0.0
        table.append(
            {"decile": index + 1, "rows": len(part), "rate": rate, "lift": rate / base,
             "gain": found / total}
        )  # fmt: skip
    return table


def calibration_curve(labels: np.ndarray, probability: np.ndarray) -> list[dict[str, float]]:
    """Equal-width probability bins: mean predicted vs observed rate, with counts."""
    bins = np.minimum((probability * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    curve = []
    for index in range(CALIBRATION_BINS):
        inside = bins == index
        count = int(inside.sum())
        if count:
            curve.append(
                {"bin": index, "rows": count, "predicted": float(probability[inside].mean()),
                 "observed": float(labels[inside].mean())}
            )  # fmt: skip
    return curve


def expected_calibration_error(curve: list[dict[str, float]]) -> float:
    """The row-weighted mean gap between predicted and observed rates over the bins."""
    rows = sum(point["rows"] for point in curve)
    gaps = sum(point["rows"] * abs(point["predicted"] - point["observed"]) for point in curve)
    return float(gaps / rows) if rows else 0.0
