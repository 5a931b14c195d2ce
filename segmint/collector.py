"""The cycle collector's policy for the long-running processes (``serve``, ``stream``, and
the evaluation process beside a server).

They hold what they load (modules, compiled segments, profiles' events) for as long as they
run. Python's default thresholds make the collector rescan all of it again and again: a
quarter of a stream's time, and stalls of 100s of ms in a server. Profiles and events are
acyclic (freed by reference counting when dropped), so rare collections lose nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations before a young collection, and young (middle) collections before an older one.
THRESHOLDS = (50_000, 20, 100)


@contextmanager
def long_lived() -> Iterator[None]:
    """While inside: what is loaded on entry is kept out of the collector's passes, and the
    passes are rare. The collector is as it was on exit (a command run in-process, as by
    tests, leaves the process as it found it)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
