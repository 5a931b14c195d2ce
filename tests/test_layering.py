"""Imports point down the data flow (DESIGN.md section 5), and only engines/ imports a
database driver: a module may import its own package and packages of a lower layer only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "segmint"
LAYERS = {
    "errors": 0, "config": 0, "collector": 0, "files": 0,
    "schema": 1, "engines": 1, "identity": 1, "pql": 1,
    "plan": 2,
    "store": 3,
    "ingest": 4, "evaluate": 4,
    "membership": 5,
    "segments": 6, "realtime": 6, "activation": 6, "ai": 6, "stream": 6,
    "demo": 7,
    "api": 8, "cli": 8, "ui": 8,
}  # fmt: skip
DRIVERS = {"duckdb", "pyspark", "psycopg", "psycopg2"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def part(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_data_flow(path: Path) -> None:
    own = part(path)
    if own == "__init__":
        return
    assert own in LAYERS, f"segmint/{own} has no layer in this test; add it where it belongs"
    for name in imported(path):
        top = name.split(".")[0]
        if top in DRIVERS:
            assert own == "engines", f"{path.name} imports the driver {top}; only engines/ may"
        if top == "segmint" and "." in name:
            target = name.split(".")[1]
            assert LAYERS.get(target, 0) <= LAYERS[own], f"{path} imports {name}, a higher layer"
