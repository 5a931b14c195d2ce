"""Edge evaluation of a set of segments for one profile: every plan compiled once, evaluated in
``inSegment`` dependency order, with the next instant at which the memberships change."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from heapq import heapify, heappop, heappush
from typing import NamedTuple

from segmint.evaluate.edge.compiler import compile_plan
from segmint.evaluate.edge.context import Context
from segmint.evaluate.edge.events import IndexedProfile
from segmint.evaluate.reference import ProfileData
from segmint.plan.dependencies import dependencies, evaluation_order
from segmint.plan.nodes import Plan

#: Candidate instants the exact search for the next change examines before settling for the
#: last one (safe: nothing changes before it).
SEARCH = 64


@dataclass(frozen=True, slots=True)
class EdgeResult:
    """The segments (ids) the profile is in, and when that set next changes with no new event
    (None: never)."""

    members: frozenset[str]
    next_change: datetime | None


class Outcome(NamedTuple):
    """One segment's truth at as_of and when it could next change (its evaluation's hint);
    a tuple, as one is made per segment per evaluation."""

    member: bool
    hint: datetime | None


class EdgeSegments:
    """Segments keyed by id; ``names`` gives the names ``inSegment`` may use for them."""

    def __init__(self, plans: Mapping[str, Plan], names: Mapping[str, str] | None = None) -> None:
        names = dict(names or {})
        aliases = {name: segment for segment, name in names.items()}
        self.plans = dict(plans)
        self.order = evaluation_order(plans, aliases)
        self.labels = {s: frozenset({s, names.get(s, s)}) for s in self.order}
        self._own = frozenset().union(*self.labels.values())
        self._tests = {s: compile_plan(plans[s].root) for s in self.order}
        self._position = {s: at for at, s in enumerate(self.order)}
        #: For each segment, the segments that use it (directly), for re-evaluation.
        self.users: dict[str, set[str]] = {s: set() for s in self.order}
        for user, used in dependencies(plans, aliases).items():
            for segment in used:
                self.users[segment].add(user)

    def outcomes(
        self,
        profile: ProfileData,
        as_of: datetime,
        targets: Collection[str] | None = None,
        settled: Collection[str] = (),
        known: Mapping[str, Outcome] | None = None,
    ) -> dict[str, Outcome]:
        """Evaluate ``targets`` (all when None); other segments keep the status given in
        ``profile.segments``, those of this set that are evaluated take the new one. Given
        targets, the segments using one whose status changes are evaluated too (in order),
        ``settled`` ones (known not to change) are not unless a segment they use changed, and
        the ``known`` outcomes of segments not evaluated are taken as they are."""
        kept = profile.segments if targets is not None else profile.segments - self._own
        index = profile.index if isinstance(profile, IndexedProfile) else None
        found: dict[str, Outcome] = {}
        if targets is None:
            context = Context(profile.attributes, profile.events, set(kept), as_of, index)
            for segment in self.order:
                found[segment] = outcome = self._test(segment, context)
                self._realize(segment, outcome.member, context)
            return found
        wanted = set(targets)
        if settled:
            wanted.difference_update(settled)
        known = known or {}
        if not wanted and not known:  # nothing to evaluate or to take: every target settled
            return found
        context = Context(profile.attributes, profile.events, set(kept), as_of, index)
        # Visit in evaluation order only what is wanted (a position heap: a segment using one
        # that changed joins later) or known; with many segments most are neither.
        position = self._position
        pending = [position[s] for s in (wanted.union(known) if known else wanted)]
        heapify(pending)
        while pending:
            segment = self.order[heappop(pending)]
            if segment in found:
                continue
            outcome = self._test(segment, context) if segment in wanted else known[segment]
            if self._realize(segment, outcome.member, context):
                for user in self.users[segment] - wanted:
                    wanted.add(user)
                    heappush(pending, position[user])
            found[segment] = outcome
        return found

    def _test(self, segment: str, context: Context) -> Outcome:
        context.hint = None
        return Outcome(self._tests[segment](context), context.hint)

    def _realize(self, segment: str, member: bool, context: Context) -> bool:
        """Make the context see the segment's new status; whether that changed it."""
        changed = member != (segment in context.segments)
        if member:
            context.segments |= self.labels[segment]
        else:
            context.segments -= self.labels[segment]
        return changed

    def evaluate(
        self, profile: ProfileData, as_of: datetime, *, search: int = SEARCH
    ) -> EdgeResult:
        """The profile's segments at as_of and their next change, found by examining up to
        ``search`` candidate instants (each a reading's own next change)."""
        members, candidate = self._members(profile, as_of)
        for _ in range(search - 1):
            if candidate is None:
                break
            later, after = self._members(profile, candidate)
            if later != members:
                break
            candidate = after
        return EdgeResult(members, candidate)

    def _members(
        self, profile: ProfileData, as_of: datetime
    ) -> tuple[frozenset[str], datetime | None]:
        outcomes = self.outcomes(profile, as_of)
        hints = [o.hint for o in outcomes.values() if o.hint is not None]
        members = frozenset(s for s, o in outcomes.items() if o.member)
        return members, min(hints, default=None)
