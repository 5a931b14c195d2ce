"""The demo workspaces benchmarks run on, made once under ``benchmarks/.data`` (a benchmark
that writes works on a copy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / ".data"


def demo_workspace(name: str, profiles: int) -> Path:
    """``segmint demo --profiles N`` into ``.data/{name}-{profiles}``, unless made before."""
    workspace = DATA / f"{name}-{profiles}"
    if not (workspace / "segmint.duckdb").exists():
        subprocess.run(
            [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace), "demo",
             "--profiles", str(profiles)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return workspace
