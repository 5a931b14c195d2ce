"""Compiled edge segments kept between requests: compiling every published definition costs
milliseconds, an edge answer should cost well under one. Keyed by sandbox and the published
segments' versions, so any change recompiles."""

from __future__ import annotations

import threading

from segmint import realtime
from segmint.engines.duckdb import Connection
from segmint.evaluate.edge import EdgeSegments
from segmint.store import definitions

Compiled = tuple[EdgeSegments, dict[str, str]]


class EdgeCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[str, tuple[tuple[tuple[str, int], ...], Compiled]] = {}

    def get(self, con: Connection, sandbox: str) -> Compiled:
        versions = tuple(
            (s.id, s.version)
            for s in definitions.all_segments(con)
            if s.spec.lifecycle == definitions.Lifecycle.PUBLISHED
        )
        with self._lock:
            cached = self._compiled.get(sandbox)
        if cached is not None and cached[0] == versions:
            return cached[1]
        compiled = realtime.published(con)
        with self._lock:
            self._compiled[sandbox] = (versions, compiled)
        return compiled
