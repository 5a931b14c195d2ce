"""Probability calibration fitted on the validation fold: boosted trees rank well but their raw
probabilities drift, and marketers read ``probability`` literally. Stored as plain numbers (no
pickles), so a model folder stays readable and portable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

#: Below this many rows (or positives/negatives) isotonic steps overfit; Platt scaling is used.
ISOTONIC_MIN_ROWS = 1000
ISOTONIC_MIN_CLASS = 50
_EPS = 1e-6


@dataclass(frozen=True)
class Calibration:
    method: str  # "isotonic" or "platt"
    x: list[float]  # isotonic thresholds, or [slope, intercept] of Platt on the log-odds
    y: list[float]

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            calibrated = np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        else:
            slope, intercept = self.x
            calibrated = 1.0 / (1.0 + np.exp(-(slope * _logit(raw) + intercept)))
        return np.asarray(np.clip(calibrated, _EPS, 1 - _EPS), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "x": self.x, "y": self.y}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(str(data["method"]), list(data["x"]), list(data["y"]))


def fit(raw: np.ndarray, labels: np.ndarray) -> Calibration:
    """Isotonic when the fold is large enough in both classes, Platt scaling otherwise."""
    positives = int(labels.sum())
    if min(positives, len(labels) - positives) >= ISOTONIC_MIN_CLASS and (
        len(labels) >= ISOTONIC_MIN_ROWS
    ):
        model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, labels)
        return Calibration("isotonic", model.X_thresholds_.tolist(), model.y_thresholds_.tolist())
    platt = LogisticRegression(C=1e6).fit(_logit(raw).reshape(-1, 1), labels)
    return Calibration("platt", [float(platt.coef_[0][0]), float(platt.intercept_[0])], [])


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(clipped / (1 - clipped)))
