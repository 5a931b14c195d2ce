"""``chain`` matched in one forward pass per step instead of by backtracking, where its shape
allows it: every step's condition reads only its own event (no other label, attribute or
segment), and every WHEN either reads no label or bounds the step's time by the previous
step's time alone (then with COUNT 1).

Which events can complete step k then depends only on the times of the events that can complete
step k-1 (the feasible ones). With no relative WHEN and COUNT c, an event completes step k when
at least c candidates lie after the earliest feasible previous time, up to and including its
own. With a relative WHEN, both bounds move forward as the previous time does, so the previous
times admitting an event form a run of the sorted feasible times: the latest one before the event
that passes the start bound is the one to test against the end bound. The chain holds when its
last step has a feasible event: O(steps * n log n) where backtracking is O(n ** steps).

Every reading the backtracking search could make is either made here or cannot change the result
until one made here does, so the change hints noted stay safe.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from segmint.evaluate.edge.context import UNSET, Context, Env, Test, restore
from segmint.evaluate.edge.memo import free_names
from segmint.evaluate.edge.windows import CompiledWindow
from segmint.plan import calendar
from segmint.plan.nodes import Bound, Get, Sequence, Var, Window

#: A compiled step: label, condition, its WHEN when that reads no label, its relative WHEN,
#: and COUNT.
ScanStep = tuple[str, Test, CompiledWindow | None, Window | None, int]


class Times(NamedTuple):
    """The sorted ``times[lo:hi]``, not copied: a step's feasible times can be most of a long
    history, and a pass mostly needs only the first of them."""

    times: list[datetime]
    lo: int
    hi: int

    @classmethod
    def of(cls, times: list[datetime]) -> Times:
        return cls(times, 0, len(times))


def relative_windows(node: Sequence) -> list[Window | None] | None:
    """Per step, its WHEN when that is relative to the previous step (else None); None when
    the chain's shape needs the backtracking search."""
    found: list[Window | None] = []
    previous: str | None = None
    for step in node.steps:
        reads = free_names(step.condition)
        if reads is None or not reads <= {step.label}:
            return None
        relative = None
        if step.window is not None:
            labels = free_names(step.window)
            if labels is None:
                return None
            if labels:
                bounds = [b for b in (step.window.start, step.window.end) if b is not None]
                timed = all(_on_time_of(b, previous, node.time_field) for b in bounds)
                if previous is None or step.count != 1 or not timed:
                    return None
                relative = step.window
        found.append(relative)
        previous = step.label
    return found


def _on_time_of(bound: Bound, label: str | None, time: str) -> bool:
    anchor = bound.anchor
    return (
        isinstance(anchor, Get)
        and anchor.field == time
        and isinstance(anchor.target, Var)
        and anchor.target.name == label
    )


def scan(
    c: Context, e: Env, steps: list[ScanStep], events: list[dict[str, Any]], time: str
) -> bool:
    """Whether the time-ordered ``events`` match every step, step by step."""
    at = [event[time] for event in events]

    def passing(index: int, after: datetime | None) -> Times:
        label, condition, window, _, _ = steps[index]
        start = 0 if after is None else bisect_right(at, after)
        old = e.get(label, UNSET)
        times: list[datetime] = []
        for event in events[start:]:
            e[label] = event
            if condition(c, e) and (window is None or window.holds(c, e, event[time])):
                times.append(event[time])
        restore(e, label, old)
        return Times.of(times)

    return _feasible(steps, passing)


def scan_kept(c: Context, e: Env, steps: list[ScanStep], visible: list[Times]) -> bool:
    """``scan`` given, for each step, the sorted times of the visible events passing its
    condition (kept as events arrive, ``sequence``): only WHENs reading no label are left to
    test, on times alone."""

    def passing(index: int, after: datetime | None) -> Times:
        times, lo, hi = visible[index]
        start = lo if after is None else bisect_right(times, after, lo, hi)
        window = steps[index][2]
        if window is None:
            return Times(times, start, hi)
        return Times.of([t for t in times[start:hi] if window.holds(c, e, t)])

    return _feasible(steps, passing)


def _feasible(steps: list[ScanStep], passing: Callable[[int, datetime | None], Times]) -> bool:
    """Step by step, the times that can complete each step: ``passing(k, after)`` gives the
    times after ``after`` (None: all) of the events that can complete step k on their own."""
    feasible: Times | None = None
    for index, (_, _, _, relative, count) in enumerate(steps):
        found = passing(index, None if feasible is None else feasible.times[feasible.lo])
        if relative is not None:
            assert feasible is not None
            # The next step reads all of these times only when it is relative to this one;
            # otherwise only the earliest (the time its own events must come after).
            every = index + 1 < len(steps) and steps[index + 1][3] is not None
            found = Times.of(_admitted(relative, feasible, found, every))
        elif count > 1:  # the times with at least COUNT candidates up to and including them
            times, lo, hi = found
            found = (
                Times(times, bisect_left(times, times[lo + count - 1], lo, hi), hi)
                if hi - lo >= count
                else Times(times, hi, hi)
            )
        if found.lo == found.hi:
            return False
        feasible = found
    return True


def _admitted(window: Window, previous: Times, candidates: Times, every: bool) -> list[datetime]:
    """The candidate times that some previous time before them has inside its relative
    window (only the earliest of them unless ``every``). Both bounds move forward with the
    previous time, so their instants over the sorted previous times are sorted too: the latest
    previous time passing the start bound is found by bisect (computing the bound's instant
    only for the times it probes), and is the one to test against the end bound. A candidate
    it fails fails for every later one too, until a later previous time comes before them:
    the candidates up to that time are skipped."""
    times, lo, hi = previous
    start, end = window.start, window.end
    start_of = None if start is None else _instant_of(start)
    probe = bisect_right if start is not None and start.inclusive else bisect_left
    end_of = None if end is None else _instant_of(end)
    through = end is not None and end.inclusive
    kept = []
    instants, at, stop = candidates
    while at < stop:
        instant = instants[at]
        last = bisect_left(times, instant, lo, hi)
        if start_of is not None:
            last = min(last, probe(times, instant, lo, hi, key=start_of))
        admitted = last > lo
        if admitted and end_of is not None:
            until = end_of(times[last - 1])
            admitted = instant <= until if through else instant < until
        if admitted:
            kept.append(instant)
            if not every:
                break
            at += 1
        elif last == hi:
            break
        else:
            at = bisect_right(instants, times[last], at + 1, stop)
    return kept


def _instant_of(bound: Bound) -> Callable[[datetime], datetime]:
    """The bound's instant for a previous time it is anchored on (as
    ``semantics.bound_instant`` resolves an anchor on an instant)."""
    amount, unit = bound.amount, bound.unit
    if unit is None:
        return _same
    return lambda instant: calendar.shift(instant, amount, unit)


def _same(instant: datetime) -> datetime:
    return instant
