"""The insights report: one self-contained HTML page (inline CSS and SVG, no scripts, nothing
fetched) that can be mailed or attached to a ticket as is."""

from __future__ import annotations

from html import escape
from typing import Any

from segmint.ai import charts

_STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#111;max-width:1000px}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
    "text-align:right}th{background:#f3f4f6}section{margin:2em 0}"
)


def html(data: dict[str, Any]) -> str:
    metrics = data["metrics"]
    deciles = data["deciles"]
    summary = [
        ("AUC", f"{metrics['auc']:.3f}"),
        ("log loss", f"{metrics['logLoss']:.4f}"),
        ("expected calibration error", f"{metrics['ece']:.4f}"),
        ("top-decile lift", f"{metrics['topDecileLift']:.2f}"),
        ("base rate", f"{metrics['baseRate']:.3f}"),
        ("evaluation rows", f"{metrics['rows']:,}"),
    ]
    gains = [(0.0, 0.0)] + [(d["decile"] / 10, d["gain"]) for d in deciles]
    calibration = [(p["predicted"], p["observed"]) for p in data["calibration"]]
    importance = data["importance"][:15]
    sections = [
        _section("Model evaluation", _table(["metric", "value"], summary)
                 + "<p>Measured on profiles of the latest cutoff that the model neither trained "
                 "nor calibrated on.</p>"),
        _section("Lift by decile", charts.bars(
            "Lift by decile", [str(d["decile"]) for d in deciles], [d["lift"] for d in deciles])),
        _section("Cumulative gains", charts.lines(
            "Cumulative gains", [("model", gains), ("random", [(0.0, 0.0), (1.0, 1.0)])])),
        _section("Calibration", charts.lines(
            "Calibration", [("model", calibration), ("perfect", [(0.0, 0.0), (1.0, 1.0)])])),
        _section("Feature importance (share of gain)", charts.horizontal_bars(
            "Feature importance", [i["feature"] for i in importance],
            [i["share"] for i in importance])),
        _scoring(data["scoring"]),
    ]  # fmt: skip
    title = f"Customer AI: {data['instance']} ({data['type']})"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>Goal <code>{escape(data['goal'])}</code> within {data['windowDays']} days; model "
        f"version {data['modelVersion']} trained as of {escape(data['asOf'])} on cutoffs "
        f"{escape(', '.join(data['cutoffs']))}.</p>{''.join(sections)}</body></html>"
    )


def _scoring(run: dict[str, Any] | None) -> str:
    if run is None:
        return _section("Scores", "<p>Not scored yet: run <code>segmint ai score</code>.</p>")
    buckets = run["buckets"]
    distribution = run["distribution"]
    return _section(
        f"Scores of {run['profiles']:,} profiles at {escape(run['scoredAt'])}",
        charts.bars(
            "Score distribution",
            [str(b["from"]) for b in distribution],
            [b["profiles"] for b in distribution],
        )
        + _table(["bucket", "profiles"], [(name, f"{count:,}") for name, count in buckets.items()]),
    )


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _table(columns: list[str], rows: list[tuple[str, str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
