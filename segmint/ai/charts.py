"""Small SVG charts drawn by hand (bars, horizontal bars, lines), so the insights report is one
self-contained HTML file with no plotting dependency and nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 520, 260
LEFT, BOTTOM, TOP, RIGHT = 48, 36, 16, 16
COLOURS = ("#2563eb", "#9ca3af", "#16a34a", "#dc2626", "#f59e0b")


def _frame(title: str, body: list[str], width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif">{escape(text)}</text>'
    )


def _axes(top: float) -> list[str]:
    """The two axes and a y scale of five ticks from 0 to ``top``."""
    bottom_y = HEIGHT - BOTTOM
    parts = [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom_y}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{bottom_y}" x2="{WIDTH - RIGHT}" y2="{bottom_y}" stroke="#333"/>',
    ]
    for tick in range(5):
        value = top * tick / 4
        y = bottom_y - (bottom_y - TOP) * tick / 4
        parts.append(_text(LEFT - 6, y + 4, f"{value:.3g}", "end", 10))
    return parts


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], colour: str = COLOURS[0]
) -> str:
    """Vertical bars, one per label."""
    top = max([*values, 1e-9])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    body = _axes(top)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_h * value / top
        x = LEFT + index * step + step * 0.1
        body.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - BOTTOM - height:.1f}" width="{step * 0.8:.1f}" '
            f'height="{height:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {value:.4g}</title></rect>"
        )
        body.append(_text(x + step * 0.4, HEIGHT - BOTTOM + 14, label, size=10))
    return _frame(title, body)


def horizontal_bars(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """One bar per label, longest first as given; labels at the left."""
    row, label_w = 20, 260
    height = TOP + row * len(values) + 8
    top = max([*values, 1e-9])
    body = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + index * row
        length = (WIDTH + 200 - label_w - RIGHT) * value / top
        body.append(_text(label_w - 6, y + 13, label, "end", 10))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}: {value:.4g}</title></rect>'
        )
    return _frame(title, body, WIDTH + 200, height)


def lines(
    title: str, series: Sequence[tuple[str, Sequence[tuple[float, float]]]], top: float = 1.0
) -> str:
    """Lines over x and y in [0, 1] x [0, top], with a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    body = _axes(top)
    for tick in range(5):
        body.append(_text(LEFT + plot_w * tick / 4, HEIGHT - BOTTOM + 14, f"{tick / 4:g}", size=10))
    for index, (name, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(
            f"{LEFT + plot_w * x:.1f},{HEIGHT - BOTTOM - plot_h * y / top:.1f}" for x, y in points
        )
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.append(
            f'<rect x="{LEFT + 10}" y="{TOP + 4 + index * 16}" width="10" height="10" '
            f'fill="{colour}"/>'
        )
        body.append(_text(LEFT + 26, TOP + 13 + index * 16, name, "start", 10))
    return _frame(title, body)
