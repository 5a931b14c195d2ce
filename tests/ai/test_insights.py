"""Evaluation numbers on toy cases worked by hand, and the self-contained HTML report."""

from __future__ import annotations

import re

import numpy as np
import pytest

from segmint.ai import insights, instances, metrics, report
from tests.ai.conftest import Scored


def test_lift_and_gains_by_decile() -> None:
    probability = np.linspace(0.99, 0.0, 100)
    labels = np.zeros(100, dtype=np.int8)
    labels[:10] = 1  # every positive in the top decile
    labels[50] = 1
    table = metrics.lift_table(labels, probability)
    assert [d["rows"] for d in table] == [10] * 10
    assert table[0]["rate"] == 1.0 and table[0]["lift"] == pytest.approx(1 / 0.11)
    assert table[0]["gain"] == pytest.approx(10 / 11) and table[5]["gain"] == 1.0
    assert table[9]["gain"] == 1.0


def test_calibration_error_and_auc() -> None:
    probability = np.array([0.15] * 10 + [0.85] * 10)
    labels = np.array([1] + [0] * 9 + [1] * 9 + [0])
    result = metrics.evaluate(labels, probability)
    curve = [(p["predicted"], p["observed"]) for p in result["calibration"]]
    assert curve == [pytest.approx((0.15, 0.1)), pytest.approx((0.85, 0.9))]
    assert result["ece"] == pytest.approx(0.05)
    assert result["auc"] == pytest.approx((81 + 0.5 * 18) / 100)  # tied pairs count half
    expected_loss = -(np.log(0.15) + 9 * np.log(0.85)) / 10
    assert result["logLoss"] == pytest.approx(expected_loss)


def test_insights_data(scored: Scored) -> None:
    data = insights.insights(scored.ws.con, instances.find(scored.ws.con, "churn"))
    assert data["modelVersion"] == 1 and len(data["deciles"]) == 10
    assert data["importance"][0]["share"] >= data["importance"][-1]["share"]
    run = data["scoring"]
    assert run is not None and run["profiles"] == scored.scores.rows
    assert sum(b["profiles"] for b in run["distribution"]) == scored.scores.rows
    assert run["buckets"]["high"] == int((scored.scores.bucket == "high").sum())


def test_html_report_is_self_contained(scored: Scored) -> None:
    page = report.html(insights.insights(scored.ws.con, instances.find(scored.ws.con, "churn")))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 5
    assert "<script" not in page and "<img" not in page and "<link" not in page
    urls = set(re.findall(r"https?://[^\"' ]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched
