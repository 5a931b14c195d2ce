"""What several benchmarks share: the demo workspaces they run on, made once under
``benchmarks/.data`` (a benchmark that writes works on a copy), and the median of timed runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
