"""The CLI starts without loading the AI stack: LightGBM, scikit-learn and SciPy take seconds
to import, and only the ``ai`` commands and the demo's model need them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("lightgbm", "sklearn", "scipy")


def test_the_cli_starts_without_the_ai_stack() -> None:
    code = f"import sys, segmint.cli.main; print(sorted(set({HEAVY!r}) & sys.modules.keys()))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
